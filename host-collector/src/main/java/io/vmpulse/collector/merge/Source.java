package io.vmpulse.collector.merge;

/** One host-side source. Each has its own presence and failure status in a {@link HostReading}. */
public enum Source {
    VCPU,
    PROCESS,
    CGROUP,
    BLOCK,
    NET,
    BALLOON;

    static final Source[] ALL = values();
}
