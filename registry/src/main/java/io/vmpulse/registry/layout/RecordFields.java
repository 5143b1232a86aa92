package io.vmpulse.registry.layout;

import java.util.List;

/**
 * Every field of a VM's record, in ABI order. This class is the one declaration of each field
 * (name, type, unit, presence group, source) and of the record layout: offsets are derived in
 * declaration order by {@link LayoutBuilder}, the registry writes {@link #ALL} into its field
 * directory, and {@code registry/c/vmpulse_shm.h} and {@code docs/shm-abi.md} are checked against
 * it by tests.
 *
 * <pre>
 *  offset  size  group
 *  0       96    meta: checksum, flags, presence, guest/host reading times (unix and mono),
 *                rate_interval_ns, rejected_messages, guest_restarts, counter_resets,
 *                dropped_samples
 *  96      304   guest: guest_seq, guest times, boot_id[40], cpu_*_ns (ten modes),
 *                cpu_online, cpu_columns, cpu_ctxt, cpu_forks, procs, boot_time, interval,
 *                memory (mem_*, swap_*, hugepages_*)
 *  400     8     fs_count, fs_omitted
 *  408     1088  fs[8], 136 bytes each:
 *                  +0 mount_point[64] +64 fs_type[16] +80 size_bytes +88 free_bytes
 *                  +96 available_bytes +104 inodes_total +112 inodes_free +120 used_pct
 *                  +128 flags u32 +132 pad
 *  1496    24    host: vcpu_count u32, pad, vcpu_run_ns, vcpu_wait_ns
 *  1520    512   vcpu[32], 16 bytes each: +0 run_ns +8 wait_ns
 *  2032    200   host: vmm_*, cgroup_*, disk_*, net_* (10), balloon_* (5)
 *  2232    152   rates over the last interval (f64) and the steal cross-check
 *  2384    8     1.1: metrics_lines_skipped
 *  2392    528   1.3: hypervisor[16], labels[512], labels_omitted u32, pad
 *  2928    96    1.3: agent_version[32], kernel_release[64]
 *  3024    8     1.3: mem_committed_as_bytes
 *  3032    8     1.3: cpu_count, cpu_omitted
 *  3040    2816  1.3: cpu[32], 88 bytes each: +0 number u32 +4 pad +8 user_ns ... +80 guest_nice_ns
 *  5856    512   1.3: fs_device[8][64], the mount source of fs[i]
 *  6368    8     1.3: disk_count, disk_omitted
 *  6376    512   1.3: disk[8], 64 bytes each: +0 name[32] +32 read_bytes +40 write_bytes
 *                  +48 read_ops +56 write_ops
 *  6888    8     1.3: nic_count, nic_omitted
 *  6896    640   1.3: nic[8], 80 bytes each: +0 name[16] +16 rx_bytes +24 tx_bytes +32 rx_packets
 *                  +40 tx_packets +48 rx_drops +56 tx_drops +64 rx_errors +72 tx_errors
 *  7536    8     1.3: vcpu_omitted u32, pad
 *  7544    16    1.4: vmm_cpu_user_ns, vmm_cpu_system_ns
 *  7560    56    1.4: rejected_{oversized,malformed,hello,sample,connection},
 *                throttled_messages, duplicate_samples
 *  7616          SIZE
 * </pre>
 *
 * Rules that keep this an ABI: every 8-byte field is 8-aligned and every field is little-endian; a
 * new field is only ever appended at the end (a minor version); a field never moves, changes type
 * or changes meaning (that would be a new major version).
 *
 * <p>Units: {@code ns} nanoseconds, {@code s} seconds, {@code ms} milliseconds, {@code bytes},
 * {@code count}, {@code pct} percent (100 = all), {@code bytes/s}, {@code ops/s}, {@code pkts/s},
 * {@code bits} (see {@link RecordFlags}). Host clock readings are {@code _unix_ns} (CLOCK_REALTIME)
 * or {@code _mono_ns} (CLOCK_MONOTONIC, comparable across processes of one boot, which is what a
 * reader should use for ages). Network counters are from the guest's point of view: {@code
 * net_rx_*} is what the guest received (the TAP's tx).
 */
public final class RecordFields {

    public static final int BOOT_ID_BYTES = 40;
    public static final int MAX_FILESYSTEMS = 8;
    public static final int FS_MOUNT_POINT_BYTES = 64;
    public static final int FS_TYPE_BYTES = 16;
    public static final int FS_ENTRY_SIZE = FS_MOUNT_POINT_BYTES + FS_TYPE_BYTES + 6 * 8 + 2 * 4;
    public static final int MAX_VCPUS = 32;
    public static final int VCPU_ENTRY_SIZE = 2 * 8;
    public static final int HYPERVISOR_BYTES = 16;
    public static final int LABELS_BYTES = 512;
    public static final int AGENT_VERSION_BYTES = 32;
    public static final int KERNEL_RELEASE_BYTES = 64;
    public static final int MAX_GUEST_CPUS = 32;
    public static final int CPU_ENTRY_SIZE = 8 + 10 * 8;
    public static final int FS_DEVICE_BYTES = 64;
    public static final int MAX_DISKS = 8;
    public static final int DISK_NAME_BYTES = 32;
    public static final int DISK_ENTRY_SIZE = DISK_NAME_BYTES + 4 * 8;
    public static final int MAX_NICS = 8;
    public static final int NIC_NAME_BYTES = 16;
    public static final int NIC_ENTRY_SIZE = NIC_NAME_BYTES + 8 * 8;

    private static final LayoutBuilder B = new LayoutBuilder();

    // ---- meta -------------------------------------------------------------------------------
    /** Hash of the sample bytes after this field ({@link RecordChecksum}); set by the writer. */
    public static final RecordField CHECKSUM = B.u64("checksum", "hash");

    /** {@link RecordFlags} FLAG_* bits. */
    public static final RecordField FLAGS = B.u64("flags", "bits");

    /** {@link RecordFlags} PRESENT_* bits: which groups hold real values. */
    public static final RecordField PRESENCE = B.u64("presence", "bits");

    /** Host CLOCK_REALTIME when the last guest sample arrived (0: never). */
    public static final RecordField LAST_GUEST_UNIX_NS = B.i64("last_guest_unix_ns", "ns");

    /** Host CLOCK_MONOTONIC when the last guest sample arrived (0: never). */
    public static final RecordField LAST_GUEST_MONO_NS = B.i64("last_guest_mono_ns", "ns");

    /** Host CLOCK_REALTIME of the last host-side reading (0: never). */
    public static final RecordField LAST_HOST_UNIX_NS = B.i64("last_host_unix_ns", "ns");

    /** Host CLOCK_MONOTONIC of the last host-side reading (0: never). */
    public static final RecordField LAST_HOST_MONO_NS = B.i64("last_host_mono_ns", "ns");

    /** Host time between the two readings the rates were derived from. */
    public static final RecordField RATE_INTERVAL_NS = B.u64("rate_interval_ns", "ns");

    /** Guest messages rejected by validation since the VM was registered. */
    public static final RecordField REJECTED_MESSAGES = B.u64("rejected_messages", "count");

    /** Guest agent restarts or reboots seen (new boot id or agent instance). */
    public static final RecordField GUEST_RESTARTS = B.u64("guest_restarts", "count");

    /** Guest counters that went backwards (recorded as a reset, never as a negative rate). */
    public static final RecordField COUNTER_RESETS = B.u64("counter_resets", "count");

    /** Guest samples lost: dropped by the agent's buffer or by the collector's rate limit. */
    public static final RecordField DROPPED_SAMPLES = B.u64("dropped_samples", "count");

    // ---- guest half (guest-reported, untrusted) -------------------------------------------
    static {
        B.group(RecordSource.GUEST, 0);
    }

    public static final RecordField GUEST_SEQ = B.u64("guest_seq", "count");

    /** Guest CLOCK_REALTIME: for display only, never trusted for ordering. */
    public static final RecordField GUEST_WALL_UNIX_NS = B.i64("guest_wall_unix_ns", "ns");

    public static final RecordField GUEST_MONO_NS = B.i64("guest_mono_ns", "ns");

    /** /proc/sys/kernel/random/boot_id of the guest. */
    public static final RecordField BOOT_ID = B.utf8("boot_id", BOOT_ID_BYTES);

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_CPU);
    }

    public static final RecordField CPU_USER_NS = B.u64("cpu_user_ns", "ns");
    public static final RecordField CPU_NICE_NS = B.u64("cpu_nice_ns", "ns");
    public static final RecordField CPU_SYSTEM_NS = B.u64("cpu_system_ns", "ns");
    public static final RecordField CPU_IDLE_NS = B.u64("cpu_idle_ns", "ns");
    public static final RecordField CPU_IOWAIT_NS = B.u64("cpu_iowait_ns", "ns");
    public static final RecordField CPU_IRQ_NS = B.u64("cpu_irq_ns", "ns");
    public static final RecordField CPU_SOFTIRQ_NS = B.u64("cpu_softirq_ns", "ns");
    public static final RecordField CPU_STEAL_NS = B.u64("cpu_steal_ns", "ns");

    /** Already included in {@link #CPU_USER_NS}, as in the kernel. */
    public static final RecordField CPU_GUEST_NS = B.u64("cpu_guest_ns", "ns");

    /** Already included in {@link #CPU_NICE_NS}, as in the kernel. */
    public static final RecordField CPU_GUEST_NICE_NS = B.u64("cpu_guest_nice_ns", "ns");

    public static final RecordField CPU_ONLINE = B.u32("cpu_online", "count");

    /** How many of the ten modes the guest kernel printed (4..10); the rest are 0. */
    public static final RecordField CPU_COLUMNS = B.u32("cpu_columns", "count");

    public static final RecordField CPU_CTXT = B.u64("cpu_ctxt", "count");
    public static final RecordField CPU_FORKS = B.u64("cpu_forks", "count");
    public static final RecordField PROCS_RUNNING = B.u32("procs_running", "count");
    public static final RecordField PROCS_BLOCKED = B.u32("procs_blocked", "count");
    public static final RecordField BOOT_TIME_UNIX_S = B.i64("boot_time_unix_s", "s");

    static {
        B.group(RecordSource.GUEST, 0);
    }

    public static final RecordField GUEST_INTERVAL_MS = B.u32("guest_interval_ms", "ms");

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_MEMORY);
    }

    /** 1 when the guest had no MemAvailable and mem_available_bytes was estimated. */
    public static final RecordField MEM_AVAILABLE_DERIVED = B.u32("mem_available_derived", "bool");

    public static final RecordField MEM_TOTAL_BYTES =
            B.u64("mem_total_bytes", "bytes", "memory.total_bytes");
    public static final RecordField MEM_FREE_BYTES =
            B.u64("mem_free_bytes", "bytes", "memory.free_bytes");
    public static final RecordField MEM_AVAILABLE_BYTES =
            B.u64("mem_available_bytes", "bytes", "memory.available_bytes");
    public static final RecordField MEM_BUFFERS_BYTES =
            B.u64("mem_buffers_bytes", "bytes", "memory.buffers_bytes");
    public static final RecordField MEM_CACHED_BYTES =
            B.u64("mem_cached_bytes", "bytes", "memory.cached_bytes");
    public static final RecordField MEM_SRECLAIMABLE_BYTES =
            B.u64("mem_sreclaimable_bytes", "bytes", "memory.sreclaimable_bytes");
    public static final RecordField MEM_SHMEM_BYTES =
            B.u64("mem_shmem_bytes", "bytes", "memory.shmem_bytes");
    public static final RecordField SWAP_TOTAL_BYTES =
            B.u64("swap_total_bytes", "bytes", "memory.swap_total_bytes");
    public static final RecordField SWAP_FREE_BYTES =
            B.u64("swap_free_bytes", "bytes", "memory.swap_free_bytes");
    public static final RecordField MEM_DIRTY_BYTES =
            B.u64("mem_dirty_bytes", "bytes", "memory.dirty_bytes");
    public static final RecordField MEM_WRITEBACK_BYTES =
            B.u64("mem_writeback_bytes", "bytes", "memory.writeback_bytes");
    public static final RecordField HUGEPAGES_TOTAL =
            B.u64("hugepages_total", "count", "memory.hugepages_total");
    public static final RecordField HUGEPAGES_FREE =
            B.u64("hugepages_free", "count", "memory.hugepages_free");
    public static final RecordField HUGEPAGE_SIZE_BYTES =
            B.u64("hugepage_size_bytes", "bytes", "memory.hugepage_size_bytes");

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_FS);
    }

    /** Filesystems present in {@code fs[]} (at most {@link #MAX_FILESYSTEMS}). */
    public static final RecordField FS_COUNT = B.u32("fs_count", "count");

    /** Filesystems the guest reported beyond {@link #MAX_FILESYSTEMS}, left out. */
    public static final RecordField FS_OMITTED = B.u32("fs_omitted", "count");

    public static final RecordField FS_MOUNT_POINT;
    public static final RecordField FS_TYPE;
    public static final RecordField FS_SIZE_BYTES;
    public static final RecordField FS_FREE_BYTES;
    public static final RecordField FS_AVAILABLE_BYTES;
    public static final RecordField FS_INODES_TOTAL;
    public static final RecordField FS_INODES_FREE;

    /** used / (used + available) * 100 with used = size - free: the Use% of {@code df}. */
    public static final RecordField FS_USED_PCT;

    /** {@link RecordFlags} FS_* bits. */
    public static final RecordField FS_FLAGS;

    static {
        B.beginArray("fs", MAX_FILESYSTEMS, FS_ENTRY_SIZE);
        FS_MOUNT_POINT = B.utf8("mount_point", FS_MOUNT_POINT_BYTES);
        FS_TYPE = B.utf8("fs_type", FS_TYPE_BYTES);
        FS_SIZE_BYTES = B.u64("size_bytes", "bytes");
        FS_FREE_BYTES = B.u64("free_bytes", "bytes");
        FS_AVAILABLE_BYTES = B.u64("available_bytes", "bytes");
        FS_INODES_TOTAL = B.u64("inodes_total", "count");
        FS_INODES_FREE = B.u64("inodes_free", "count");
        FS_USED_PCT = B.f64("used_pct", "pct");
        FS_FLAGS = B.u32("flags", "bits");
        B.pad(4);
        B.endArray();
    }

    // ---- host half (trusted) ----------------------------------------------------------------
    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_VCPU);
    }

    public static final RecordField VCPU_COUNT = B.u32("vcpu_count", "count");

    static {
        B.pad(4);
    }

    /** Sum over all vCPU threads of time on a CPU (schedstat field 1). */
    public static final RecordField VCPU_RUN_NS = B.u64("vcpu_run_ns", "ns");

    /** Sum over all vCPU threads of time waiting on a run queue (what the guest sees as steal). */
    public static final RecordField VCPU_WAIT_NS = B.u64("vcpu_wait_ns", "ns");

    public static final RecordField VCPU_RUN_NS_EACH;
    public static final RecordField VCPU_WAIT_NS_EACH;

    static {
        B.beginArray("vcpu", MAX_VCPUS, VCPU_ENTRY_SIZE);
        VCPU_RUN_NS_EACH = B.u64("run_ns", "ns");
        VCPU_WAIT_NS_EACH = B.u64("wait_ns", "ns");
        B.endArray();
    }

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_PROCESS);
    }

    public static final RecordField VMM_CPU_NS = B.u64("vmm_cpu_ns", "ns");
    public static final RecordField VMM_RSS_BYTES = B.u64("vmm_rss_bytes", "bytes");
    public static final RecordField VMM_PSS_BYTES = B.u64("vmm_pss_bytes", "bytes");
    public static final RecordField VMM_THREADS = B.u64("vmm_threads", "count");

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_CGROUP);
    }

    public static final RecordField CGROUP_CPU_NS = B.u64("cgroup_cpu_ns", "ns");
    public static final RecordField CGROUP_MEMORY_BYTES = B.u64("cgroup_memory_bytes", "bytes");
    public static final RecordField CGROUP_IO_READ_BYTES = B.u64("cgroup_io_read_bytes", "bytes");
    public static final RecordField CGROUP_IO_WRITE_BYTES = B.u64("cgroup_io_write_bytes", "bytes");

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_BLOCK);
    }

    public static final RecordField DISK_READ_BYTES = B.u64("disk_read_bytes", "bytes");
    public static final RecordField DISK_WRITE_BYTES = B.u64("disk_write_bytes", "bytes");

    static {
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_BLOCK | RecordFlags.PRESENT_HOST_DISK_OPS);
    }

    public static final RecordField DISK_READ_OPS = B.u64("disk_read_ops", "count");
    public static final RecordField DISK_WRITE_OPS = B.u64("disk_write_ops", "count");

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_NET);
    }

    public static final RecordField NET_RX_BYTES = B.u64("net_rx_bytes", "bytes");
    public static final RecordField NET_TX_BYTES = B.u64("net_tx_bytes", "bytes");
    public static final RecordField NET_RX_PACKETS = B.u64("net_rx_packets", "count");
    public static final RecordField NET_TX_PACKETS = B.u64("net_tx_packets", "count");

    static {
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_NET | RecordFlags.PRESENT_HOST_NET_DROPS);
    }

    public static final RecordField NET_RX_DROPS = B.u64("net_rx_drops", "count");
    public static final RecordField NET_TX_DROPS = B.u64("net_tx_drops", "count");

    static {
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_NET | RecordFlags.PRESENT_HOST_NET_ERRORS);
    }

    public static final RecordField NET_RX_ERRORS = B.u64("net_rx_errors", "count");
    public static final RecordField NET_TX_ERRORS = B.u64("net_tx_errors", "count");

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_BALLOON);
    }

    public static final RecordField BALLOON_TARGET_BYTES = B.u64("balloon_target_bytes", "bytes");
    public static final RecordField BALLOON_ACTUAL_BYTES = B.u64("balloon_actual_bytes", "bytes");
    public static final RecordField BALLOON_FREE_BYTES = B.u64("balloon_free_bytes", "bytes");
    public static final RecordField BALLOON_TOTAL_BYTES = B.u64("balloon_total_bytes", "bytes");
    public static final RecordField BALLOON_AVAILABLE_BYTES =
            B.u64("balloon_available_bytes", "bytes");

    // ---- rates over the last interval (host-derived) ----------------------------------------
    static {
        B.group(RecordSource.DERIVED, RecordFlags.PRESENT_GUEST_RATES);
    }

    public static final RecordField GUEST_CPU_BUSY_PCT = B.f64("guest_cpu_busy_pct", "pct");
    public static final RecordField GUEST_CPU_STEAL_PCT = B.f64("guest_cpu_steal_pct", "pct");
    public static final RecordField GUEST_CPU_IDLE_PCT = B.f64("guest_cpu_idle_pct", "pct");
    public static final RecordField GUEST_CPU_IOWAIT_PCT = B.f64("guest_cpu_iowait_pct", "pct");

    static {
        B.group(RecordSource.DERIVED, RecordFlags.PRESENT_GUEST_MEMORY);
    }

    /** (total - available) / total * 100. */
    public static final RecordField MEM_USED_PCT = B.f64("mem_used_pct", "pct");

    static {
        B.group(RecordSource.DERIVED, RecordFlags.PRESENT_GUEST_FS);
    }

    /** The highest {@code fs.used_pct}. */
    public static final RecordField FS_USED_MAX_PCT = B.f64("fs_used_max_pct", "pct");

    static {
        B.group(RecordSource.DERIVED, RecordFlags.PRESENT_HOST_RATES);
    }

    /**
     * Run time gained by the vCPU threads present in both readings, over wall time; 100 = one busy
     * vCPU.
     */
    public static final RecordField HOST_VCPU_PCT = B.f64("host_vcpu_pct", "pct");

    /**
     * {@link #HOST_VCPU_PCT} divided by the vCPU threads it covers (present in both readings); 100
     * = every vCPU busy.
     */
    public static final RecordField HOST_VCPU_PCT_NORM = B.f64("host_vcpu_pct_norm", "pct");

    public static final RecordField DISK_READ_BYTES_PER_S =
            B.f64("disk_read_bytes_per_s", "bytes/s");
    public static final RecordField DISK_WRITE_BYTES_PER_S =
            B.f64("disk_write_bytes_per_s", "bytes/s");

    static {
        B.group(
                RecordSource.DERIVED,
                RecordFlags.PRESENT_HOST_RATES | RecordFlags.PRESENT_HOST_DISK_OPS);
    }

    public static final RecordField DISK_READ_OPS_PER_S = B.f64("disk_read_ops_per_s", "ops/s");
    public static final RecordField DISK_WRITE_OPS_PER_S = B.f64("disk_write_ops_per_s", "ops/s");

    static {
        B.group(RecordSource.DERIVED, RecordFlags.PRESENT_HOST_RATES);
    }

    public static final RecordField NET_RX_BYTES_PER_S = B.f64("net_rx_bytes_per_s", "bytes/s");
    public static final RecordField NET_TX_BYTES_PER_S = B.f64("net_tx_bytes_per_s", "bytes/s");
    public static final RecordField NET_RX_PACKETS_PER_S = B.f64("net_rx_packets_per_s", "pkts/s");
    public static final RecordField NET_TX_PACKETS_PER_S = B.f64("net_tx_packets_per_s", "pkts/s");

    /** Guest cpu_steal_ns gained over the interval. */
    public static final RecordField STEAL_GUEST_DELTA_NS = B.u64("steal_guest_delta_ns", "ns");

    /** Host vcpu_wait_ns gained over the interval: should roughly match the guest's steal. */
    public static final RecordField STEAL_HOST_DELTA_NS = B.u64("steal_host_delta_ns", "ns");

    /** steal_guest_delta_ns / steal_host_delta_ns (0 when the host delta is 0). */
    public static final RecordField STEAL_RATIO = B.f64("steal_ratio", "ratio");

    // ---- added in 1.1 -----------------------------------------------------------------------
    static {
        B.group(RecordSource.HOST, 0);
    }

    /**
     * Firecracker metrics lines that could not be parsed and were skipped (their deltas are lost),
     * since the VM's host-side targets were last set; 0 for a VM without a metrics file. Not in any
     * presence group: a count of failures is meaningful whatever the block source's state.
     */
    public static final RecordField METRICS_LINES_SKIPPED = B.u64("metrics_lines_skipped", "count");

    // ---- added in 1.3 -----------------------------------------------------------------------
    static {
        B.group(RecordSource.HOST, 0);
    }

    /** The VM descriptor's hypervisor: firecracker, cloud-hypervisor, qemu, libkrun or none. */
    public static final RecordField HYPERVISOR = B.utf8("hypervisor", HYPERVISOR_BYTES);

    /**
     * The VM descriptor's labels, "key=value" entries joined by '\n', sorted by key. Keys match
     * [a-zA-Z_][a-zA-Z0-9_]{0,62}, values hold no control characters; labels that do not fit are
     * left out whole (never cut) and counted in {@link #LABELS_OMITTED}.
     */
    public static final RecordField LABELS = B.utf8("labels", LABELS_BYTES);

    public static final RecordField LABELS_OMITTED = B.u32("labels_omitted", "count");

    static {
        B.pad(4);
    }

    static {
        B.group(RecordSource.GUEST, 0);
    }

    /** The agent's Hello: its version (empty until a guest said hello). */
    public static final RecordField AGENT_VERSION = B.utf8("agent_version", AGENT_VERSION_BYTES);

    /** The agent's Hello: the guest kernel's {@code uname -r} (empty until a guest said hello). */
    public static final RecordField KERNEL_RELEASE = B.utf8("kernel_release", KERNEL_RELEASE_BYTES);

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_MEMORY);
    }

    /** /proc/meminfo Committed_AS: memory the guest's processes have been promised. */
    public static final RecordField MEM_COMMITTED_AS_BYTES =
            B.u64("mem_committed_as_bytes", "bytes", "memory.committed_as_bytes");

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_CPU);
    }

    /**
     * Entries of {@code cpu[]} that hold a guest CPU ("cpuN" lines), at most {@link
     * #MAX_GUEST_CPUS}.
     */
    public static final RecordField CPU_COUNT = B.u32("cpu_count", "count");

    /**
     * "cpuN" lines the guest reported beyond {@link #MAX_GUEST_CPUS}, left out (the aggregate
     * counts them).
     */
    public static final RecordField CPU_OMITTED = B.u32("cpu_omitted", "count");

    /** N of the guest's "cpuN" line (offline CPUs have none, so numbers can skip). */
    public static final RecordField CPU_NUMBER;

    public static final RecordField CPU_USER_NS_EACH;
    public static final RecordField CPU_NICE_NS_EACH;
    public static final RecordField CPU_SYSTEM_NS_EACH;
    public static final RecordField CPU_IDLE_NS_EACH;
    public static final RecordField CPU_IOWAIT_NS_EACH;
    public static final RecordField CPU_IRQ_NS_EACH;
    public static final RecordField CPU_SOFTIRQ_NS_EACH;
    public static final RecordField CPU_STEAL_NS_EACH;
    public static final RecordField CPU_GUEST_NS_EACH;
    public static final RecordField CPU_GUEST_NICE_NS_EACH;

    static {
        B.beginArray("cpu", MAX_GUEST_CPUS, CPU_ENTRY_SIZE);
        CPU_NUMBER = B.u32("number", "count");
        B.pad(4);
        CPU_USER_NS_EACH = B.u64("user_ns", "ns");
        CPU_NICE_NS_EACH = B.u64("nice_ns", "ns");
        CPU_SYSTEM_NS_EACH = B.u64("system_ns", "ns");
        CPU_IDLE_NS_EACH = B.u64("idle_ns", "ns");
        CPU_IOWAIT_NS_EACH = B.u64("iowait_ns", "ns");
        CPU_IRQ_NS_EACH = B.u64("irq_ns", "ns");
        CPU_SOFTIRQ_NS_EACH = B.u64("softirq_ns", "ns");
        CPU_STEAL_NS_EACH = B.u64("steal_ns", "ns");
        CPU_GUEST_NS_EACH = B.u64("guest_ns", "ns");
        CPU_GUEST_NICE_NS_EACH = B.u64("guest_nice_ns", "ns");
        B.endArray();
    }

    static {
        B.group(RecordSource.GUEST, RecordFlags.PRESENT_GUEST_FS);
    }

    /**
     * {@code fs_device[i]}: the mount source of {@code fs[i]} (e.g. /dev/vda); {@code fs_count} of
     * them are meaningful.
     */
    public static final RecordField FS_DEVICE =
            B.utf8Array("fs_device", MAX_FILESYSTEMS, FS_DEVICE_BYTES);

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_BLOCK);
    }

    /**
     * Entries of {@code disk[]} in use, at most {@link #MAX_DISKS}; the disk_* totals cover every
     * drive.
     */
    public static final RecordField DISK_COUNT = B.u32("disk_count", "count");

    /** Drives beyond {@link #MAX_DISKS}: in the totals, not in {@code disk[]}. */
    public static final RecordField DISK_OMITTED = B.u32("disk_omitted", "count");

    /**
     * The hypervisor's id of the drive (Firecracker drive_id, Cloud Hypervisor disk id, QEMU
     * device).
     */
    public static final RecordField DISK_NAME;

    public static final RecordField DISK_READ_BYTES_EACH;
    public static final RecordField DISK_WRITE_BYTES_EACH;
    public static final RecordField DISK_READ_OPS_EACH;
    public static final RecordField DISK_WRITE_OPS_EACH;

    static {
        B.beginArray("disk", MAX_DISKS, DISK_ENTRY_SIZE);
        DISK_NAME = B.utf8("name", DISK_NAME_BYTES);
        DISK_READ_BYTES_EACH = B.u64("read_bytes", "bytes");
        DISK_WRITE_BYTES_EACH = B.u64("write_bytes", "bytes");
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_BLOCK | RecordFlags.PRESENT_HOST_DISK_OPS);
        DISK_READ_OPS_EACH = B.u64("read_ops", "count");
        DISK_WRITE_OPS_EACH = B.u64("write_ops", "count");
        B.endArray();
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_NET);
    }

    /**
     * Entries of {@code nic[]} in use, at most {@link #MAX_NICS}; the net_* totals cover every
     * interface.
     */
    public static final RecordField NIC_COUNT = B.u32("nic_count", "count");

    /** Interfaces beyond {@link #MAX_NICS}: in the totals, not in {@code nic[]}. */
    public static final RecordField NIC_OMITTED = B.u32("nic_omitted", "count");

    /** The host TAP's name, or the VMM's interface id where counters come from the VMM. */
    public static final RecordField NIC_NAME;

    /** What the guest received on this interface (a TAP's tx). */
    public static final RecordField NIC_RX_BYTES_EACH;

    /** What the guest sent on this interface (a TAP's rx). */
    public static final RecordField NIC_TX_BYTES_EACH;

    public static final RecordField NIC_RX_PACKETS_EACH;
    public static final RecordField NIC_TX_PACKETS_EACH;
    public static final RecordField NIC_RX_DROPS_EACH;
    public static final RecordField NIC_TX_DROPS_EACH;
    public static final RecordField NIC_RX_ERRORS_EACH;
    public static final RecordField NIC_TX_ERRORS_EACH;

    static {
        B.beginArray("nic", MAX_NICS, NIC_ENTRY_SIZE);
        NIC_NAME = B.utf8("name", NIC_NAME_BYTES);
        NIC_RX_BYTES_EACH = B.u64("rx_bytes", "bytes");
        NIC_TX_BYTES_EACH = B.u64("tx_bytes", "bytes");
        NIC_RX_PACKETS_EACH = B.u64("rx_packets", "count");
        NIC_TX_PACKETS_EACH = B.u64("tx_packets", "count");
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_NET | RecordFlags.PRESENT_HOST_NET_DROPS);
        NIC_RX_DROPS_EACH = B.u64("rx_drops", "count");
        NIC_TX_DROPS_EACH = B.u64("tx_drops", "count");
        B.group(
                RecordSource.HOST,
                RecordFlags.PRESENT_HOST_NET | RecordFlags.PRESENT_HOST_NET_ERRORS);
        NIC_RX_ERRORS_EACH = B.u64("rx_errors", "count");
        NIC_TX_ERRORS_EACH = B.u64("tx_errors", "count");
        B.endArray();
    }

    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_VCPU);
    }

    /**
     * vCPU threads numbered {@link #MAX_VCPUS} or above: counted in {@code vcpu_count}, {@code
     * vcpu_run_ns} and {@code vcpu_wait_ns}, but with no {@code vcpu[]} entry.
     */
    public static final RecordField VCPU_OMITTED = B.u32("vcpu_omitted", "count");

    static {
        B.pad(4);
    }

    // ---- added in 1.4 -----------------------------------------------------------------------
    static {
        B.group(RecordSource.HOST, RecordFlags.PRESENT_HOST_PROCESS);
    }

    /** User-mode CPU time of the whole VMM process (/proc/PID/stat utime); part of vmm_cpu_ns. */
    public static final RecordField VMM_CPU_USER_NS = B.u64("vmm_cpu_user_ns", "ns");

    /** Kernel-mode CPU time of the whole VMM process (/proc/PID/stat stime); part of vmm_cpu_ns. */
    public static final RecordField VMM_CPU_SYSTEM_NS = B.u64("vmm_cpu_system_ns", "ns");

    static {
        B.group(RecordSource.META, 0);
    }

    /**
     * Rejected messages by reason; the five add up to {@code rejected_messages}. Over the
     * transport's message size limit (the stream is ended).
     */
    public static final RecordField REJECTED_OVERSIZED = B.u64("rejected_oversized", "count");

    /** Not a valid AgentMessage, or a message of a kind the collector does not know. */
    public static final RecordField REJECTED_MALFORMED = B.u64("rejected_malformed", "count");

    /**
     * Hello refused by its checks, a second hello, a sample before hello, or no hello within the
     * deadline.
     */
    public static final RecordField REJECTED_HELLO = B.u64("rejected_hello", "count");

    /** A sample refused by its checks (seq missing or over 2^63-1, values out of range). */
    public static final RecordField REJECTED_SAMPLE = B.u64("rejected_sample", "count");

    /**
     * A connection closed unread: over the VM's connection cap, or its peer's credentials refused
     * or unreadable.
     */
    public static final RecordField REJECTED_CONNECTION = B.u64("rejected_connection", "count");

    /**
     * Times the VM's rate limit delayed reading its next message (normally once per delayed
     * message, which is then processed: not a reject, not in {@code rejected_messages}).
     */
    public static final RecordField THROTTLED_MESSAGES = B.u64("throttled_messages", "count");

    /**
     * Samples at or below the last seq published for the same guest boot (an agent resending what
     * it could not know arrived, by any agent process of that boot): acknowledged and dropped,
     * never published twice, not rejects.
     */
    public static final RecordField DUPLICATE_SAMPLES = B.u64("duplicate_samples", "count");

    /**
     * The rejects by reason, each named {@code rejected_<reason>}, in layout order; they sum to
     * {@code rejected_messages}.
     */
    public static final List<RecordField> REJECTED_BY_REASON =
            List.of(
                    REJECTED_OVERSIZED,
                    REJECTED_MALFORMED,
                    REJECTED_HELLO,
                    REJECTED_SAMPLE,
                    REJECTED_CONNECTION);

    /** Bytes of the record defined by this version. */
    public static final int SIZE = B.end();

    /** Every field, in layout order: what the registry writes into its field directory. */
    public static final List<RecordField> ALL = B.fields();

    /**
     * The scalar that says how many leading elements of the array field {@code f} hold values (the
     * rest are zero; since 1.4 the writer does not publish them, see {@link UsedBlocks}), or null
     * for a scalar and for {@code vcpu[]}, which is indexed by vCPU number and may have gaps.
     */
    public static RecordField countOf(RecordField f) {
        if (f.count() == 1) {
            return null;
        }
        String n = f.name();
        if (n.startsWith("fs.") || n.equals("fs_device")) {
            return FS_COUNT;
        } else if (n.startsWith("cpu.")) {
            return CPU_COUNT;
        } else if (n.startsWith("disk.")) {
            return DISK_COUNT;
        } else if (n.startsWith("nic.")) {
            return NIC_COUNT;
        }
        return null;
    }

    private RecordFields() {}
}
