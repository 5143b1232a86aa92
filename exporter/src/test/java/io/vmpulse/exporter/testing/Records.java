package io.vmpulse.exporter.testing;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import java.util.Optional;

/**
 * Records filled the way the collector fills them, with values derived from a seed so that a test
 * can predict every series. Fields are found by name, so that the fields an ABI version lacks are
 * simply left out and the same code fills a 1.2 and a 1.3 record.
 */
public final class Records {

    public static final long ALL_PRESENT =
            RecordFlags.PRESENT_GUEST_CPU
                    | RecordFlags.PRESENT_GUEST_MEMORY
                    | RecordFlags.PRESENT_GUEST_FS
                    | RecordFlags.PRESENT_GUEST_RATES
                    | RecordFlags.PRESENT_HOST_VCPU
                    | RecordFlags.PRESENT_HOST_PROCESS
                    | RecordFlags.PRESENT_HOST_CGROUP
                    | RecordFlags.PRESENT_HOST_BLOCK
                    | RecordFlags.PRESENT_HOST_NET
                    | RecordFlags.PRESENT_HOST_BALLOON
                    | RecordFlags.PRESENT_HOST_RATES
                    | RecordFlags.PRESENT_HOST_DISK_OPS
                    | RecordFlags.PRESENT_HOST_NET_DROPS
                    | RecordFlags.PRESENT_HOST_NET_ERRORS;

    private Records() {}

    /** The field called {@code name} in this build's ABI, if it has one. */
    public static Optional<RecordField> field(String name) {
        return RecordFields.ALL.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public static void putLong(VmRecord r, String name, int index, long v) {
        field(name).ifPresent(f -> r.putLong(f, index, v));
    }

    public static void putInt(VmRecord r, String name, int index, int v) {
        field(name).ifPresent(f -> r.putInt(f, index, v));
    }

    public static void putString(VmRecord r, String name, int index, String v) {
        field(name).ifPresent(f -> r.putString(f, index, v));
    }

    /**
     * A VM as the benchmark shape has it: {@code vcpus} vCPUs (per-CPU guest times where the ABI
     * has them), {@code filesystems} filesystems, one disk and one NIC, every group present, fresh
     * at {@code nowMono}. Value of field F (element i) = seed * 1000 + a small number per field, so
     * two seeds never give the same series values.
     */
    public static void full(
            VmRecord r, long seed, int vcpus, int filesystems, long nowMono, long nowUnix) {
        r.clear();
        r.putLong(RecordFields.PRESENCE, ALL_PRESENT);
        r.putLong(RecordFields.FLAGS, RecordFlags.FLAG_GUEST_CONNECTED);
        r.putLong(RecordFields.LAST_GUEST_MONO_NS, nowMono);
        r.putLong(RecordFields.LAST_HOST_MONO_NS, nowMono);
        r.putLong(RecordFields.LAST_GUEST_UNIX_NS, nowUnix);
        r.putLong(RecordFields.LAST_HOST_UNIX_NS, nowUnix);
        long base = seed * 1000;
        r.putLong(RecordFields.REJECTED_MESSAGES, base + 1);
        r.putLong(RecordFields.REJECTED_OVERSIZED, base + 5);
        r.putLong(RecordFields.REJECTED_MALFORMED, base + 6);
        r.putLong(RecordFields.REJECTED_HELLO, base + 7);
        r.putLong(RecordFields.REJECTED_SAMPLE, base + 8);
        r.putLong(RecordFields.REJECTED_CONNECTION, base + 9);
        r.putLong(RecordFields.THROTTLED_MESSAGES, base + 11);
        r.putLong(RecordFields.DUPLICATE_SAMPLES, base + 12);
        r.putLong(RecordFields.GUEST_RESTARTS, base + 2);
        r.putLong(RecordFields.COUNTER_RESETS, base + 3);
        r.putLong(RecordFields.DROPPED_SAMPLES, base + 4);
        r.putString(RecordFields.BOOT_ID, "boot-" + seed);
        String[] modes = {
            "user",
            "nice",
            "system",
            "idle",
            "iowait",
            "irq",
            "softirq",
            "steal",
            "guest",
            "guest_nice"
        };
        for (int m = 0; m < modes.length; m++) {
            putLong(r, "cpu_" + modes[m] + "_ns", 0, (base + 10 + m) * 1_000_000_000L);
        }
        r.putInt(RecordFields.CPU_ONLINE, vcpus);
        r.putInt(RecordFields.CPU_COLUMNS, 10);
        r.putLong(RecordFields.CPU_CTXT, base + 30);
        r.putLong(RecordFields.CPU_FORKS, base + 31);
        r.putInt(RecordFields.PROCS_RUNNING, 2);
        r.putInt(RecordFields.PROCS_BLOCKED, 1);
        r.putLong(RecordFields.BOOT_TIME_UNIX_S, 1_700_000_000L + seed);
        String[] mem = {
            "mem_total_bytes",
            "mem_free_bytes",
            "mem_available_bytes",
            "mem_buffers_bytes",
            "mem_cached_bytes",
            "mem_sreclaimable_bytes",
            "mem_shmem_bytes",
            "swap_total_bytes",
            "swap_free_bytes",
            "mem_dirty_bytes",
            "mem_writeback_bytes",
            "hugepages_total",
            "hugepages_free",
            "hugepage_size_bytes",
            "mem_committed_as_bytes"
        };
        for (int i = 0; i < mem.length; i++) {
            putLong(r, mem[i], 0, (base + 40 + i) * 1024);
        }
        r.putInt(RecordFields.FS_COUNT, filesystems);
        for (int i = 0; i < filesystems; i++) {
            r.putString(RecordFields.FS_MOUNT_POINT, i, i == 0 ? "/" : "/mnt/data" + i);
            r.putString(RecordFields.FS_TYPE, i, "ext4");
            putString(r, "fs_device", i, "/dev/vd" + (char) ('a' + i));
            r.putLong(RecordFields.FS_SIZE_BYTES, i, (base + 60 + i) * 4096);
            r.putLong(RecordFields.FS_FREE_BYTES, i, (base + 70 + i) * 4096);
            r.putLong(RecordFields.FS_AVAILABLE_BYTES, i, (base + 80 + i) * 4096);
            r.putLong(RecordFields.FS_INODES_TOTAL, i, base + 90 + i);
            r.putLong(RecordFields.FS_INODES_FREE, i, base + 100 + i);
        }
        r.putInt(RecordFields.VCPU_COUNT, vcpus);
        for (int i = 0; i < vcpus; i++) {
            r.putLong(RecordFields.VCPU_RUN_NS_EACH, i, (base + 110 + i) * 1_000_000_000L);
            r.putLong(RecordFields.VCPU_WAIT_NS_EACH, i, (base + 120 + i) * 1_000_000_000L);
        }
        // Per-CPU guest times (ABI 1.3): cpu i's mode m = (base + 200 + 10 i + m) s.
        putInt(r, "cpu_count", 0, vcpus);
        for (int i = 0; i < vcpus && field("cpu.number").isPresent(); i++) {
            putInt(r, "cpu.number", i, i);
            for (int m = 0; m < modes.length; m++) {
                putLong(
                        r,
                        "cpu." + modes[m] + "_ns",
                        i,
                        (base + 200 + 10L * i + m) * 1_000_000_000L);
            }
        }
        r.putLong(RecordFields.VMM_CPU_NS, (base + 130) * 1_000_000_000L);
        r.putLong(RecordFields.VMM_CPU_USER_NS, (base + 137) * 1_000_000_000L);
        r.putLong(RecordFields.VMM_CPU_SYSTEM_NS, (base + 138) * 1_000_000_000L);
        r.putLong(RecordFields.VMM_RSS_BYTES, (base + 131) * 4096);
        r.putLong(RecordFields.VMM_PSS_BYTES, (base + 132) * 4096);
        r.putLong(RecordFields.VMM_THREADS, 7);
        r.putLong(RecordFields.CGROUP_CPU_NS, (base + 133) * 1_000_000_000L);
        r.putLong(RecordFields.CGROUP_MEMORY_BYTES, (base + 134) * 4096);
        r.putLong(RecordFields.CGROUP_IO_READ_BYTES, base + 135);
        r.putLong(RecordFields.CGROUP_IO_WRITE_BYTES, base + 136);
        String[] disk = {"read_bytes", "write_bytes", "read_ops", "write_ops"};
        for (int k = 0; k < disk.length; k++) {
            putLong(r, "disk_" + disk[k], 0, base + 140 + k);
            putLong(r, "disk." + disk[k], 0, base + 140 + k);
        }
        putInt(r, "disk_count", 0, 1);
        putString(r, "disk.name", 0, "rootfs");
        String[] net = {
            "rx_bytes",
            "tx_bytes",
            "rx_packets",
            "tx_packets",
            "rx_drops",
            "tx_drops",
            "rx_errors",
            "tx_errors"
        };
        for (int k = 0; k < net.length; k++) {
            putLong(r, "net_" + net[k], 0, base + 150 + k);
            putLong(r, "nic." + net[k], 0, base + 150 + k);
        }
        putInt(r, "nic_count", 0, 1);
        putString(r, "nic.name", 0, "tap0");
        String[] balloon = {"target", "actual", "free", "total", "available"};
        for (int k = 0; k < balloon.length; k++) {
            putLong(r, "balloon_" + balloon[k] + "_bytes", 0, (base + 160 + k) * 4096);
        }
        putString(r, "hypervisor", 0, "firecracker");
        putString(r, "agent_version", 0, "0.1.0");
        putString(r, "kernel_release", 0, "6.1.0-" + seed);
        putString(r, "labels", 0, "team=storage\napp.kubernetes.io/name=db");
    }
}
