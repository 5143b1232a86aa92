package io.vmpulse.collector.host;

/** The VMM that runs a VM; it decides how vCPU threads are named and where device counters live. */
public enum Hypervisor {
    /** vCPU threads {@code fc_vcpu N}; metrics file or FIFO; API socket for flush and balloon. */
    FIRECRACKER,
    /** vCPU threads {@code vcpuN}; {@code GET /api/v1/vm.counters} on the API socket. */
    CLOUD_HYPERVISOR,
    /** vCPU thread ids from QMP {@code query-cpus-fast}; {@code query-blockstats}. */
    QEMU,
    /** vCPU threads {@code fc_vcpu N} (libkrun reuses Firecracker's devices); no API. */
    LIBKRUN,
    /** Unknown VMM: only the process, its cgroup and its TAPs are read. */
    NONE
}
