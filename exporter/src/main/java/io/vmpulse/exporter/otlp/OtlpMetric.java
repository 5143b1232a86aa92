package io.vmpulse.exporter.otlp;

import io.opentelemetry.sdk.metrics.data.MetricDataType;

/**
 * Every metric the OTLP push can send: its name, unit, instrument kind and the value type of its
 * points. {@code docs/otlp.md} lists the same table; a test keeps the two in step.
 *
 * <p>Guest data uses the OpenTelemetry semantic conventions for system metrics, as the Collector's
 * hostmetrics receiver would report it from inside the VM. What only the host can see, and what the
 * conventions have no name for, is under {@code vmpulse.*}.
 */
public enum OtlpMetric {

    // ---- guest: CPU and processes (start time: guest boot) ---------------------------------
    SYSTEM_CPU_TIME(
            "system.cpu.time",
            "s",
            Kind.COUNTER,
            true,
            Source.GUEST,
            "Seconds each logical CPU of the guest spent in each mode."),
    GUEST_CPU_GUEST_TIME(
            "vmpulse.guest.cpu.guest.time",
            "s",
            Kind.COUNTER,
            true,
            Source.GUEST,
            "Seconds the guest's CPUs ran nested guests; already counted in the user and nice modes."),
    SYSTEM_CPU_LOGICAL_COUNT(
            "system.cpu.logical.count",
            "{cpu}",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Logical CPUs online in the guest."),
    SYSTEM_PROCESS_COUNT(
            "system.process.count",
            "{process}",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest processes running and blocked on I/O (/proc/stat procs_running, procs_blocked)."),
    SYSTEM_PROCESS_CREATED(
            "system.process.created",
            "{process}",
            Kind.COUNTER,
            false,
            Source.GUEST,
            "Processes created in the guest since it booted."),
    GUEST_CONTEXT_SWITCHES(
            "vmpulse.guest.context_switches",
            "{context_switch}",
            Kind.COUNTER,
            false,
            Source.GUEST,
            "Context switches in the guest since it booted."),

    // ---- guest: memory -------------------------------------------------------------------------
    SYSTEM_MEMORY_USAGE(
            "system.memory.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest memory by state; used is MemTotal - MemAvailable."),
    SYSTEM_MEMORY_LIMIT(
            "system.memory.limit", "By", Kind.UP_DOWN, false, Source.GUEST, "Guest MemTotal."),
    SYSTEM_MEMORY_SHARED(
            "system.memory.shared", "By", Kind.UP_DOWN, false, Source.GUEST, "Guest Shmem."),
    SYSTEM_MEMORY_LINUX_AVAILABLE(
            "system.memory.linux.available",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest MemAvailable."),
    SYSTEM_MEMORY_LINUX_SLAB_USAGE(
            "system.memory.linux.slab.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest slab memory; only the reclaimable part is carried."),
    SYSTEM_PAGING_USAGE(
            "system.paging.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest swap used and free."),
    GUEST_MEMORY_DIRTY(
            "vmpulse.guest.memory.dirty", "By", Kind.UP_DOWN, false, Source.GUEST, "Guest Dirty."),
    GUEST_MEMORY_WRITEBACK(
            "vmpulse.guest.memory.writeback",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest Writeback."),
    GUEST_MEMORY_COMMITTED(
            "vmpulse.guest.memory.committed",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest Committed_AS (ABI 1.3)."),
    GUEST_HUGEPAGES_LIMIT(
            "vmpulse.guest.memory.hugepages.limit",
            "{page}",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest HugePages_Total."),
    GUEST_HUGEPAGES_FREE(
            "vmpulse.guest.memory.hugepages.free",
            "{page}",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest HugePages_Free."),
    GUEST_HUGEPAGE_SIZE(
            "vmpulse.guest.memory.hugepages.page_size",
            "By",
            Kind.GAUGE,
            false,
            Source.GUEST,
            "Guest Hugepagesize."),

    // ---- guest: filesystems --------------------------------------------------------------------
    SYSTEM_FILESYSTEM_USAGE(
            "system.filesystem.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest filesystem bytes by state: used, free (available to users), reserved (for root)."),
    SYSTEM_FILESYSTEM_LIMIT(
            "system.filesystem.limit",
            "By",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest filesystem size."),
    SYSTEM_FILESYSTEM_INODES_USAGE(
            "system.filesystem.inodes.usage",
            "{inode}",
            Kind.UP_DOWN,
            false,
            Source.GUEST,
            "Guest filesystem inodes used and free, as the hostmetrics receiver names them."),

    // ---- host (start time: the slot's claim) ---------------------------------------------------
    VCPU_TIME(
            "vmpulse.vcpu.time",
            "s",
            Kind.COUNTER,
            true,
            Source.HOST,
            "Seconds the VM's vCPU threads ran on a host CPU (schedstat)."),
    VCPU_WAIT_TIME(
            "vmpulse.vcpu.wait.time",
            "s",
            Kind.COUNTER,
            true,
            Source.HOST,
            "Seconds the VM's vCPU threads waited on a host run queue: what the guest sees as steal."),
    VMM_CPU_TIME(
            "vmpulse.vmm.cpu.time",
            "s",
            Kind.COUNTER,
            true,
            Source.HOST,
            "CPU seconds of the whole VMM process, by cpu.mode (user, system)."),
    VMM_MEMORY_USAGE(
            "vmpulse.vmm.memory.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Resident set size of the VMM process."),
    VMM_MEMORY_PSS(
            "vmpulse.vmm.memory.pss",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Proportional set size of the VMM process."),
    VMM_THREAD_COUNT(
            "vmpulse.vmm.thread.count",
            "{thread}",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Threads of the VMM process."),
    CGROUP_CPU_TIME(
            "vmpulse.cgroup.cpu.time",
            "s",
            Kind.COUNTER,
            true,
            Source.HOST,
            "CPU seconds of the VM's cgroup."),
    CGROUP_MEMORY_USAGE(
            "vmpulse.cgroup.memory.usage",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Memory charged to the VM's cgroup."),
    CGROUP_DISK_IO(
            "vmpulse.cgroup.disk.io",
            "By",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Bytes the VM's cgroup read and wrote on host block devices."),
    DISK_IO(
            "vmpulse.disk.io",
            "By",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Bytes the guest read from and wrote to its virtual disks, counted by the host."),
    DISK_OPERATIONS(
            "vmpulse.disk.operations",
            "{operation}",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Read and write operations on the guest's virtual disks, counted by the host."),
    NETWORK_IO(
            "vmpulse.network.io",
            "By",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Bytes on the VM's network interfaces; receive is what the guest received."),
    NETWORK_PACKET_COUNT(
            "vmpulse.network.packet.count",
            "{packet}",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Packets on the VM's network interfaces, in the guest's direction."),
    NETWORK_PACKET_DROPPED(
            "vmpulse.network.packet.dropped",
            "{packet}",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Packets dropped on the VM's network interfaces, in the guest's direction."),
    NETWORK_ERRORS(
            "vmpulse.network.errors",
            "{error}",
            Kind.COUNTER,
            false,
            Source.HOST,
            "Errors on the VM's network interfaces, in the guest's direction."),
    BALLOON_TARGET(
            "vmpulse.balloon.target",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Size the balloon device was asked to reach."),
    BALLOON_ACTUAL(
            "vmpulse.balloon.actual",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Size the balloon device has reached."),
    BALLOON_STATS_FREE(
            "vmpulse.balloon.stats.free",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Free memory as the balloon device's statistics report it."),
    BALLOON_STATS_TOTAL(
            "vmpulse.balloon.stats.total",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Total memory as the balloon device's statistics report it."),
    BALLOON_STATS_AVAILABLE(
            "vmpulse.balloon.stats.available",
            "By",
            Kind.UP_DOWN,
            false,
            Source.HOST,
            "Available memory as the balloon device's statistics report it."),

    // ---- the collector's view of the VM (start time: the slot's claim) -----------------------
    GUEST_UP(
            "vmpulse.guest.up",
            "1",
            Kind.GAUGE,
            false,
            Source.COLLECTOR,
            "1 while the guest agent is connected and its samples are fresh, else 0."),
    GUEST_REJECTED_MESSAGES(
            "vmpulse.guest.rejected_messages",
            "{message}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Guest messages or connections the collector rejected, by error.type (oversized, malformed, hello, sample, connection)."),
    GUEST_THROTTLED_MESSAGES(
            "vmpulse.guest.throttled_messages",
            "{message}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Times the collector's rate limit delayed reading the guest's next message."),
    GUEST_DUPLICATE_SAMPLES(
            "vmpulse.guest.duplicate_samples",
            "{sample}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Guest samples already published for the guest boot, dropped."),
    GUEST_RESTARTS(
            "vmpulse.guest.restarts",
            "{restart}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Guest reboots seen (new boot ids)."),
    GUEST_COUNTER_RESETS(
            "vmpulse.guest.counter_resets",
            "{reset}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Guest counters seen going backwards."),
    GUEST_DROPPED_SAMPLES(
            "vmpulse.guest.dropped_samples",
            "{sample}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "Guest samples lost in the agent's buffer or to the collector's rate limit."),
    HOST_METRICS_LINES_SKIPPED(
            "vmpulse.host.metrics_lines_skipped",
            "{line}",
            Kind.COUNTER,
            false,
            Source.COLLECTOR,
            "VMM metrics lines the collector could not parse.");

    /** The OpenTelemetry instrument a metric would come from. */
    public enum Kind {
        COUNTER,
        UP_DOWN,
        GAUGE
    }

    /** Where the values come from, which decides their start time and point time. */
    public enum Source {
        GUEST,
        HOST,
        COLLECTOR
    }

    private final String metricName;
    private final String unit;
    private final Kind kind;
    private final boolean doubles;
    private final Source source;
    private final String description;

    OtlpMetric(
            String metricName,
            String unit,
            Kind kind,
            boolean doubles,
            Source source,
            String description) {
        this.metricName = metricName;
        this.unit = unit;
        this.kind = kind;
        this.doubles = doubles;
        this.source = source;
        this.description = description;
    }

    public String metricName() {
        return metricName;
    }

    public String unit() {
        return unit;
    }

    public Kind kind() {
        return kind;
    }

    /** True when points carry a double (seconds), false for a long. */
    public boolean doubles() {
        return doubles;
    }

    public Source source() {
        return source;
    }

    public String description() {
        return description;
    }

    /** The SDK data type of this metric's points. */
    public MetricDataType dataType() {
        if (kind == Kind.GAUGE) {
            return doubles ? MetricDataType.DOUBLE_GAUGE : MetricDataType.LONG_GAUGE;
        }
        return doubles ? MetricDataType.DOUBLE_SUM : MetricDataType.LONG_SUM;
    }
}
