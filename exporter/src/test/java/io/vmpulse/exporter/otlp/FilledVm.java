package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import java.util.Map;
import java.util.TreeMap;

/**
 * A VM record with every ABI 1.2 group present and values that differ per VM and per field, and the
 * points the OTLP push must make of it, written out field by field from the mapping in
 * docs/otlp.md.
 */
final class FilledVm {

    static final long GIB = 1L << 30;
    static final long ALL_PRESENT =
            RecordFlags.PRESENT_GUEST_CPU
                    | RecordFlags.PRESENT_GUEST_MEMORY
                    | RecordFlags.PRESENT_GUEST_FS
                    | RecordFlags.PRESENT_HOST_VCPU
                    | RecordFlags.PRESENT_HOST_PROCESS
                    | RecordFlags.PRESENT_HOST_CGROUP
                    | RecordFlags.PRESENT_HOST_BLOCK
                    | RecordFlags.PRESENT_HOST_NET
                    | RecordFlags.PRESENT_HOST_BALLOON
                    | RecordFlags.PRESENT_HOST_DISK_OPS
                    | RecordFlags.PRESENT_HOST_NET_DROPS
                    | RecordFlags.PRESENT_HOST_NET_ERRORS;
    static final String[] MODES = {
        "user", "nice", "system", "idle", "iowait", "interrupt", "softirq", "steal"
    };

    final VmRecord record = new VmRecord();
    final long bootUnixS;
    final long guestUnixNs;
    final long hostUnixNs;
    private final int i;

    FilledVm(int i, long nowUnixNs) {
        this.i = i;
        this.guestUnixNs = nowUnixNs - 1_000_000_000L - i;
        this.hostUnixNs = nowUnixNs - 500_000_000L - i;
        this.bootUnixS = nowUnixNs / 1_000_000_000L - 3600 - i;
        VmRecord r = record;
        r.putLong(FLAGS, RecordFlags.FLAG_GUEST_CONNECTED);
        r.putLong(PRESENCE, ALL_PRESENT);
        r.putLong(LAST_GUEST_UNIX_NS, guestUnixNs);
        r.putLong(LAST_HOST_UNIX_NS, hostUnixNs);
        RecordField[] rejects = {
            REJECTED_CONNECTION,
            REJECTED_HELLO,
            REJECTED_MALFORMED,
            REJECTED_OVERSIZED,
            REJECTED_SAMPLE
        };
        for (int k = 0; k < rejects.length; k++) {
            r.putLong(rejects[k], 3 + i + k);
        }
        r.putLong(REJECTED_MESSAGES, 5 * (3 + i) + 10);
        r.putLong(THROTTLED_MESSAGES, 8 + i);
        r.putLong(DUPLICATE_SAMPLES, 9 + i);
        r.putLong(GUEST_RESTARTS, 4 + i);
        r.putLong(COUNTER_RESETS, 5 + i);
        r.putLong(DROPPED_SAMPLES, 6 + i);
        r.putLong(METRICS_LINES_SKIPPED, 7 + i);
        long[] cpu = cpuNs();
        var fields =
                new io.vmpulse.registry.layout.RecordField[] {
                    CPU_USER_NS,
                    CPU_NICE_NS,
                    CPU_SYSTEM_NS,
                    CPU_IDLE_NS,
                    CPU_IOWAIT_NS,
                    CPU_IRQ_NS,
                    CPU_SOFTIRQ_NS,
                    CPU_STEAL_NS,
                    CPU_GUEST_NS,
                    CPU_GUEST_NICE_NS
                };
        for (int m = 0; m < fields.length; m++) {
            r.putLong(fields[m], cpu[m]);
        }
        r.putInt(CPU_COLUMNS, 10);
        r.putInt(CPU_ONLINE, 2);
        r.putLong(CPU_CTXT, 1_000_000L + i);
        r.putLong(CPU_FORKS, 2_000L + i);
        r.putInt(PROCS_RUNNING, 3);
        r.putInt(PROCS_BLOCKED, 1);
        r.putLong(BOOT_TIME_UNIX_S, bootUnixS);
        r.putLong(MEM_TOTAL_BYTES, 4 * GIB);
        r.putLong(MEM_FREE_BYTES, GIB + i);
        r.putLong(MEM_AVAILABLE_BYTES, 2 * GIB + i);
        r.putLong(MEM_BUFFERS_BYTES, 10_000L + i);
        r.putLong(MEM_CACHED_BYTES, 20_000L + i);
        r.putLong(MEM_SRECLAIMABLE_BYTES, 30_000L + i);
        r.putLong(MEM_SHMEM_BYTES, 40_000L + i);
        r.putLong(SWAP_TOTAL_BYTES, GIB);
        r.putLong(SWAP_FREE_BYTES, GIB / 2 + i);
        r.putLong(MEM_DIRTY_BYTES, 50_000L + i);
        r.putLong(MEM_WRITEBACK_BYTES, 60_000L + i);
        r.putLong(HUGEPAGES_TOTAL, 16);
        r.putLong(HUGEPAGES_FREE, 8);
        r.putLong(HUGEPAGE_SIZE_BYTES, 2L << 20);
        r.putInt(FS_COUNT, 3);
        for (int f = 0; f < 3; f++) {
            r.putString(FS_MOUNT_POINT, f, f == 0 ? "/" : "/mnt/d" + f);
            r.putString(FS_TYPE, f, f == 2 ? "xfs" : "ext4");
            r.putLong(FS_SIZE_BYTES, f, 10 * GIB + f);
            r.putLong(FS_FREE_BYTES, f, 4 * GIB + i);
            r.putLong(FS_AVAILABLE_BYTES, f, 3 * GIB + i);
            r.putLong(FS_INODES_TOTAL, f, 655_360);
            r.putLong(FS_INODES_FREE, f, 600_000 + i);
            r.putInt(FS_FLAGS, f, f == 2 ? RecordFlags.FS_READ_ONLY : 0);
        }
        r.putInt(VCPU_COUNT, 2);
        for (int v = 0; v < 2; v++) {
            r.putLong(VCPU_RUN_NS_EACH, v, 7_000_000_000L * (v + 1) + i);
            r.putLong(VCPU_WAIT_NS_EACH, v, 300_000_000L * (v + 1) + i);
        }
        r.putLong(VCPU_RUN_NS, 21_000_000_000L + 2 * i);
        r.putLong(VCPU_WAIT_NS, 900_000_000L + 2 * i);
        r.putLong(VMM_CPU_NS, 25_000_000_000L + i);
        r.putLong(VMM_CPU_USER_NS, 9_000_000_000L + i);
        r.putLong(VMM_CPU_SYSTEM_NS, 16_000_000_000L);
        r.putLong(VMM_RSS_BYTES, 300L << 20);
        r.putLong(VMM_PSS_BYTES, 280L << 20);
        r.putLong(VMM_THREADS, 5);
        r.putLong(CGROUP_CPU_NS, 26_000_000_000L + i);
        r.putLong(CGROUP_MEMORY_BYTES, 310L << 20);
        r.putLong(CGROUP_IO_READ_BYTES, 1_111L + i);
        r.putLong(CGROUP_IO_WRITE_BYTES, 2_222L + i);
        r.putLong(DISK_READ_BYTES, 3_333L + i);
        r.putLong(DISK_WRITE_BYTES, 4_444L + i);
        r.putLong(DISK_READ_OPS, 55L + i);
        r.putLong(DISK_WRITE_OPS, 66L + i);
        r.putLong(NET_RX_BYTES, 7_777L + i);
        r.putLong(NET_TX_BYTES, 8_888L + i);
        r.putLong(NET_RX_PACKETS, 77L + i);
        r.putLong(NET_TX_PACKETS, 88L + i);
        r.putLong(NET_RX_DROPS, 1L + i);
        r.putLong(NET_TX_DROPS, 2L + i);
        r.putLong(NET_RX_ERRORS, 3L + i);
        r.putLong(NET_TX_ERRORS, 4L + i);
        r.putLong(BALLOON_TARGET_BYTES, GIB);
        r.putLong(BALLOON_ACTUAL_BYTES, GIB - 4096);
        r.putLong(BALLOON_FREE_BYTES, 100_000L + i);
        r.putLong(BALLOON_TOTAL_BYTES, 200_000L + i);
        r.putLong(BALLOON_AVAILABLE_BYTES, 150_000L + i);

        // ABI 1.3: identity strings, per-CPU times, per-drive and per-interface counters, fs
        // devices.
        r.putString(HYPERVISOR, "firecracker");
        r.putString(LABELS, "tenant=t" + i + "\nzone=eu-1");
        r.putString(AGENT_VERSION, "0.1." + i);
        r.putString(KERNEL_RELEASE, "6.1.0-" + i + "-amd64");
        r.putLong(MEM_COMMITTED_AS_BYTES, 70_000L + i);
        r.putInt(CPU_COUNT, 2);
        var each =
                new io.vmpulse.registry.layout.RecordField[] {
                    CPU_USER_NS_EACH,
                    CPU_NICE_NS_EACH,
                    CPU_SYSTEM_NS_EACH,
                    CPU_IDLE_NS_EACH,
                    CPU_IOWAIT_NS_EACH,
                    CPU_IRQ_NS_EACH,
                    CPU_SOFTIRQ_NS_EACH,
                    CPU_STEAL_NS_EACH,
                    CPU_GUEST_NS_EACH,
                    CPU_GUEST_NICE_NS_EACH
                };
        for (int c = 0; c < 2; c++) {
            r.putInt(CPU_NUMBER, c, CPU_NUMBERS[c]);
            for (int m = 0; m < each.length; m++) {
                r.putLong(each[m], c, cpuEachNs(c, m));
            }
        }
        for (int f = 0; f < 3; f++) {
            r.putString(FS_DEVICE, f, "/dev/vd" + (char) ('a' + f));
        }
        r.putInt(DISK_COUNT, 1);
        r.putString(DISK_NAME, 0, "rootfs");
        r.putLong(DISK_READ_BYTES_EACH, 0, 3_333L + i);
        r.putLong(DISK_WRITE_BYTES_EACH, 0, 4_444L + i);
        r.putLong(DISK_READ_OPS_EACH, 0, 55L + i);
        r.putLong(DISK_WRITE_OPS_EACH, 0, 66L + i);
        r.putInt(NIC_COUNT, 1);
        r.putString(NIC_NAME, 0, "tap" + i);
        r.putLong(NIC_RX_BYTES_EACH, 0, 7_777L + i);
        r.putLong(NIC_TX_BYTES_EACH, 0, 8_888L + i);
        r.putLong(NIC_RX_PACKETS_EACH, 0, 77L + i);
        r.putLong(NIC_TX_PACKETS_EACH, 0, 88L + i);
        r.putLong(NIC_RX_DROPS_EACH, 0, 1L + i);
        r.putLong(NIC_TX_DROPS_EACH, 0, 2L + i);
        r.putLong(NIC_RX_ERRORS_EACH, 0, 3L + i);
        r.putLong(NIC_TX_ERRORS_EACH, 0, 4L + i);
    }

    /** Guest CPU numbers: offline CPUs have no line, so numbers can skip. */
    static final int[] CPU_NUMBERS = {0, 2};

    long cpuEachNs(int c, int mode) {
        return (i + 1) * 500_000_000L * (mode + 1) + c * 7_000_001L;
    }

    /** The resource the VM must be reported under. */
    Map<String, String> resource(String vmId) {
        return Map.of(
                "host.id",
                vmId,
                "tenant",
                "t" + i,
                "zone",
                "eu-1",
                "vmpulse.hypervisor",
                "firecracker",
                "vmpulse.guest.agent_version",
                "0.1." + i,
                "vmpulse.guest.kernel_release",
                "6.1.0-" + i + "-amd64");
    }

    long[] cpuNs() {
        long[] ns = new long[10];
        for (int m = 0; m < 10; m++) {
            ns[m] = (i + 1) * 1_000_000_000L * (m + 1) + 123_456_789L;
        }
        return ns;
    }

    /** Every point the push must send for this VM: "name{attrs}" to [unit, value]. */
    Map<String, Object[]> expected() {
        Map<String, Object[]> e = new TreeMap<>();
        for (int c = 0; c < 2; c++) {
            String n = "" + CPU_NUMBERS[c];
            for (int m = 0; m < 8; m++) {
                put(
                        e,
                        "system.cpu.time",
                        "s",
                        cpuEachNs(c, m) / 1e9,
                        "cpu.mode",
                        MODES[m],
                        "cpu.logical_number",
                        n);
            }
            put(
                    e,
                    "vmpulse.guest.cpu.guest.time",
                    "s",
                    cpuEachNs(c, 8) / 1e9,
                    "cpu.mode",
                    "user",
                    "cpu.logical_number",
                    n);
            put(
                    e,
                    "vmpulse.guest.cpu.guest.time",
                    "s",
                    cpuEachNs(c, 9) / 1e9,
                    "cpu.mode",
                    "nice",
                    "cpu.logical_number",
                    n);
        }
        put(e, "system.cpu.logical.count", "{cpu}", 2L);
        put(e, "system.process.count", "{process}", 3L, "process.state", "running");
        put(e, "system.process.count", "{process}", 1L, "process.state", "blocked");
        put(e, "system.process.created", "{process}", 2_000L + i);
        put(e, "vmpulse.guest.context_switches", "{context_switch}", 1_000_000L + i);

        put(e, "system.memory.usage", "By", 4 * GIB - (2 * GIB + i), "system.memory.state", "used");
        put(e, "system.memory.usage", "By", GIB + i, "system.memory.state", "free");
        put(e, "system.memory.usage", "By", 10_000L + i, "system.memory.state", "buffers");
        put(e, "system.memory.usage", "By", 20_000L + i, "system.memory.state", "cached");
        put(e, "system.memory.limit", "By", 4 * GIB);
        put(e, "system.memory.shared", "By", 40_000L + i);
        put(e, "system.memory.linux.available", "By", 2 * GIB + i);
        put(
                e,
                "system.memory.linux.slab.usage",
                "By",
                30_000L + i,
                "system.memory.linux.slab.state",
                "reclaimable");
        put(e, "system.paging.usage", "By", GIB - (GIB / 2 + i), "system.paging.state", "used");
        put(e, "system.paging.usage", "By", GIB / 2 + i, "system.paging.state", "free");
        put(e, "vmpulse.guest.memory.dirty", "By", 50_000L + i);
        put(e, "vmpulse.guest.memory.writeback", "By", 60_000L + i);
        put(e, "vmpulse.guest.memory.committed", "By", 70_000L + i);
        put(e, "vmpulse.guest.memory.hugepages.limit", "{page}", 16L);
        put(e, "vmpulse.guest.memory.hugepages.free", "{page}", 8L);
        put(e, "vmpulse.guest.memory.hugepages.page_size", "By", 2L << 20);

        for (int f = 0; f < 3; f++) {
            String[] id = {
                "system.device",
                "/dev/vd" + (char) ('a' + f),
                "system.filesystem.mode",
                f == 2 ? "ro" : "rw",
                "system.filesystem.mountpoint",
                f == 0 ? "/" : "/mnt/d" + f,
                "system.filesystem.type",
                f == 2 ? "xfs" : "ext4"
            };
            put(
                    e,
                    "system.filesystem.usage",
                    "By",
                    10 * GIB + f - (4 * GIB + i),
                    with(id, "system.filesystem.state", "used"));
            put(
                    e,
                    "system.filesystem.usage",
                    "By",
                    3 * GIB + i,
                    with(id, "system.filesystem.state", "free"));
            put(
                    e,
                    "system.filesystem.usage",
                    "By",
                    GIB,
                    with(id, "system.filesystem.state", "reserved"));
            put(e, "system.filesystem.limit", "By", 10 * GIB + f, id);
            put(
                    e,
                    "system.filesystem.inodes.usage",
                    "{inode}",
                    655_360L - (600_000 + i),
                    with(id, "system.filesystem.state", "used"));
            put(
                    e,
                    "system.filesystem.inodes.usage",
                    "{inode}",
                    600_000L + i,
                    with(id, "system.filesystem.state", "free"));
        }

        for (int v = 0; v < 2; v++) {
            put(
                    e,
                    "vmpulse.vcpu.time",
                    "s",
                    (7_000_000_000L * (v + 1) + i) / 1e9,
                    "vmpulse.vcpu.number",
                    "" + v);
            put(
                    e,
                    "vmpulse.vcpu.wait.time",
                    "s",
                    (300_000_000L * (v + 1) + i) / 1e9,
                    "vmpulse.vcpu.number",
                    "" + v);
        }
        put(e, "vmpulse.vmm.cpu.time", "s", (9_000_000_000L + i) / 1e9, "cpu.mode", "user");
        put(e, "vmpulse.vmm.cpu.time", "s", 16.0, "cpu.mode", "system");
        put(e, "vmpulse.vmm.memory.usage", "By", 300L << 20);
        put(e, "vmpulse.vmm.memory.pss", "By", 280L << 20);
        put(e, "vmpulse.vmm.thread.count", "{thread}", 5L);
        put(e, "vmpulse.cgroup.cpu.time", "s", (26_000_000_000L + i) / 1e9);
        put(e, "vmpulse.cgroup.memory.usage", "By", 310L << 20);
        put(e, "vmpulse.cgroup.disk.io", "By", 1_111L + i, "disk.io.direction", "read");
        put(e, "vmpulse.cgroup.disk.io", "By", 2_222L + i, "disk.io.direction", "write");
        put(
                e,
                "vmpulse.disk.io",
                "By",
                3_333L + i,
                "disk.io.direction",
                "read",
                "system.device",
                "rootfs");
        put(
                e,
                "vmpulse.disk.io",
                "By",
                4_444L + i,
                "disk.io.direction",
                "write",
                "system.device",
                "rootfs");
        put(
                e,
                "vmpulse.disk.operations",
                "{operation}",
                55L + i,
                "disk.io.direction",
                "read",
                "system.device",
                "rootfs");
        put(
                e,
                "vmpulse.disk.operations",
                "{operation}",
                66L + i,
                "disk.io.direction",
                "write",
                "system.device",
                "rootfs");
        put(
                e,
                "vmpulse.network.io",
                "By",
                7_777L + i,
                "network.io.direction",
                "receive",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.io",
                "By",
                8_888L + i,
                "network.io.direction",
                "transmit",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.packet.count",
                "{packet}",
                77L + i,
                "network.io.direction",
                "receive",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.packet.count",
                "{packet}",
                88L + i,
                "network.io.direction",
                "transmit",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.packet.dropped",
                "{packet}",
                1L + i,
                "network.io.direction",
                "receive",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.packet.dropped",
                "{packet}",
                2L + i,
                "network.io.direction",
                "transmit",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.errors",
                "{error}",
                3L + i,
                "network.io.direction",
                "receive",
                "network.interface.name",
                "tap" + i);
        put(
                e,
                "vmpulse.network.errors",
                "{error}",
                4L + i,
                "network.io.direction",
                "transmit",
                "network.interface.name",
                "tap" + i);
        put(e, "vmpulse.balloon.target", "By", GIB);
        put(e, "vmpulse.balloon.actual", "By", GIB - 4096);
        put(e, "vmpulse.balloon.stats.free", "By", 100_000L + i);
        put(e, "vmpulse.balloon.stats.total", "By", 200_000L + i);
        put(e, "vmpulse.balloon.stats.available", "By", 150_000L + i);

        put(e, "vmpulse.guest.up", "1", 1L);
        String[] reasons = {"connection", "hello", "malformed", "oversized", "sample"};
        for (int k = 0; k < reasons.length; k++) {
            put(
                    e,
                    "vmpulse.guest.rejected_messages",
                    "{message}",
                    3L + i + k,
                    "error.type",
                    reasons[k]);
        }
        put(e, "vmpulse.guest.throttled_messages", "{message}", 8L + i);
        put(e, "vmpulse.guest.duplicate_samples", "{sample}", 9L + i);
        put(e, "vmpulse.guest.restarts", "{restart}", 4L + i);
        put(e, "vmpulse.guest.counter_resets", "{reset}", 5L + i);
        put(e, "vmpulse.guest.dropped_samples", "{sample}", 6L + i);
        put(e, "vmpulse.host.metrics_lines_skipped", "{line}", 7L + i);
        return e;
    }

    private static String[] with(String[] base, String k, String v) {
        String[] out = java.util.Arrays.copyOf(base, base.length + 2);
        out[base.length] = k;
        out[base.length + 1] = v;
        return out;
    }

    static void put(Map<String, Object[]> e, String name, String unit, Object value, String... kv) {
        Map<String, String> attrs = new TreeMap<>();
        for (int k = 0; k < kv.length; k += 2) {
            attrs.put(kv[k], kv[k + 1]);
        }
        e.put(name + attrs, new Object[] {unit, value});
    }
}
