package io.vmpulse.registry.layout;

/**
 * Bit constants of the {@code flags}, {@code presence} and {@code fs.flags} fields. Bit positions
 * are ABI: a bit is never reused for another meaning; new bits are added in a minor version.
 */
public final class RecordFlags {

    // ---- flags ------------------------------------------------------------------------------
    /** A guest agent stream is connected now. */
    public static final long FLAG_GUEST_CONNECTED = 1L;

    /** No guest sample for 3 intervals: the guest half is old (see last_guest_mono_ns). */
    public static final long FLAG_GUEST_STALE = 1L << 1;

    /** The VM is gone: this is its last sample and the slot will be freed after a grace period. */
    public static final long FLAG_FINAL = 1L << 2;

    /** The last attempt to read vCPU threads' schedstat failed. */
    public static final long FLAG_VCPU_FAILING = 1L << 8;

    /** The last attempt to read the VMM process (CPU, RSS, PSS, threads) failed. */
    public static final long FLAG_PROCESS_FAILING = 1L << 9;

    /** The last attempt to read the VM's cgroup failed. */
    public static final long FLAG_CGROUP_FAILING = 1L << 10;

    /** The last attempt to read block device counters failed. */
    public static final long FLAG_BLOCK_FAILING = 1L << 11;

    /** The last attempt to read network (TAP) counters failed. */
    public static final long FLAG_NET_FAILING = 1L << 12;

    /** The last attempt to read the balloon device failed. */
    public static final long FLAG_BALLOON_FAILING = 1L << 13;

    // ---- presence: which groups hold real values (an absent group is all zero) -------------
    public static final long PRESENT_GUEST_CPU = 1L;

    /** Memory fields and mem_used_pct. */
    public static final long PRESENT_GUEST_MEMORY = 1L << 1;

    /** fs_count, fs[], fs_used_max_pct. */
    public static final long PRESENT_GUEST_FS = 1L << 2;

    /** guest_cpu_*_pct: they need two guest samples. */
    public static final long PRESENT_GUEST_RATES = 1L << 3;

    public static final long PRESENT_HOST_VCPU = 1L << 8;
    public static final long PRESENT_HOST_PROCESS = 1L << 9;
    public static final long PRESENT_HOST_CGROUP = 1L << 10;
    public static final long PRESENT_HOST_BLOCK = 1L << 11;
    public static final long PRESENT_HOST_NET = 1L << 12;
    public static final long PRESENT_HOST_BALLOON = 1L << 13;

    /** host_vcpu_pct*, disk and net rates, steal cross-check. */
    public static final long PRESENT_HOST_RATES = 1L << 14;

    /**
     * 1.2: disk_read_ops, disk_write_ops and their rates. Within a present block group, clear where
     * the source counts no operations (/proc/PID/io): their 0 then means "unknown", not "none".
     */
    public static final long PRESENT_HOST_DISK_OPS = 1L << 15;

    /** 1.2: net_rx_drops, net_tx_drops; only TAP counters have them. */
    public static final long PRESENT_HOST_NET_DROPS = 1L << 16;

    /**
     * 1.2: net_rx_errors, net_tx_errors; TAP counters and Firecracker's rx_fails/tx_fails, not
     * Cloud Hypervisor.
     */
    public static final long PRESENT_HOST_NET_ERRORS = 1L << 17;

    // ---- fs.flags --------------------------------------------------------------------------
    /** The guest could not read this filesystem for this sample; its numbers are 0, not "empty". */
    public static final int FS_ERROR = 1;

    public static final int FS_READ_ONLY = 1 << 1;

    private RecordFlags() {}
}
