package io.vmpulse.bench.exporter;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import java.nio.file.Path;

/**
 * A registry holding a fleet of VMs of the exporter benchmark's shape, every group present, kept
 * fresh like a collector would: heartbeat every 250 ms, every VM republished every second. The
 * exporter under test reads it as it would read a real collector's.
 *
 * <p>Usage: {@code FleetRegistry PATH VMS [VCPUS FILESYSTEMS]} (defaults 2 and 3, one disk and one
 * NIC each); prints "ready" once every VM is published, runs until killed.
 */
public final class FleetRegistry {

    private static final String[] MODES = {
        "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"
    };

    private FleetRegistry() {}

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int vms = Integer.parseInt(args[1]);
        int vcpus = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int filesystems = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(path, vms, null))) {
            int[] slots = new int[vms];
            for (int i = 0; i < vms; i++) {
                slots[i] =
                        w.claim(
                                String.format(
                                        "vm-%05d-%s", i, "0123456789abcdef".substring(i % 16)));
            }
            VmRecord r = new VmRecord();
            long round = 0;
            while (true) {
                long now = System.nanoTime();
                for (int i = 0; i < vms; i++) {
                    fill(r, i, round, vcpus, filesystems, now);
                    w.publish(slots[i], r);
                }
                if (round == 0) {
                    System.out.println("ready");
                    System.out.flush();
                }
                for (int beat = 0; beat < 4; beat++) {
                    w.heartbeat();
                    Thread.sleep(250);
                }
                round++;
            }
        }
    }

    /** Realistic magnitudes: counters in the billions, so numbers print at full length. */
    static void fill(VmRecord r, int vm, long round, int vcpus, int filesystems, long nowMono) {
        r.clear();
        r.putLong(
                RecordFields.PRESENCE,
                RecordFlags.PRESENT_GUEST_CPU
                        | RecordFlags.PRESENT_GUEST_MEMORY
                        | RecordFlags.PRESENT_GUEST_FS
                        | RecordFlags.PRESENT_GUEST_RATES
                        | RecordFlags.PRESENT_HOST_VCPU
                        | RecordFlags.PRESENT_HOST_PROCESS
                        | RecordFlags.PRESENT_HOST_CGROUP
                        | RecordFlags.PRESENT_HOST_BLOCK
                        | RecordFlags.PRESENT_HOST_NET
                        | RecordFlags.PRESENT_HOST_RATES
                        | RecordFlags.PRESENT_HOST_DISK_OPS
                        | RecordFlags.PRESENT_HOST_NET_DROPS
                        | RecordFlags.PRESENT_HOST_NET_ERRORS);
        r.putLong(RecordFields.FLAGS, RecordFlags.FLAG_GUEST_CONNECTED);
        long unix = System.currentTimeMillis() * 1_000_000L;
        r.putLong(RecordFields.LAST_GUEST_MONO_NS, nowMono);
        r.putLong(RecordFields.LAST_HOST_MONO_NS, nowMono);
        r.putLong(RecordFields.LAST_GUEST_UNIX_NS, unix);
        r.putLong(RecordFields.LAST_HOST_UNIX_NS, unix);
        long t = 3_600_000_000_000L + round * 1_000_000_000L + vm * 7_919L;
        r.putString(RecordFields.BOOT_ID, "5f0c3f2e-8c4e-4b7a-9d41-" + String.format("%012d", vm));
        r.putString(RecordFields.HYPERVISOR, "firecracker");
        r.putString(RecordFields.AGENT_VERSION, "0.1.0");
        r.putString(RecordFields.KERNEL_RELEASE, "6.1.0-28-amd64");
        r.putString(RecordFields.LABELS, "team=storage\ntier=gold");
        r.putInt(RecordFields.CPU_COLUMNS, 10);
        r.putInt(RecordFields.CPU_ONLINE, vcpus);
        r.putInt(RecordFields.CPU_COUNT, vcpus);
        for (int c = 0; c < vcpus; c++) {
            r.putInt(RecordFields.CPU_NUMBER, c, c);
            long[] each = {t, t / 50, t / 3, t * 4, t / 100, t / 1000, t / 500, t / 200, t / 10, 0};
            r.putLong(RecordFields.CPU_USER_NS_EACH, c, each[0]);
            r.putLong(RecordFields.CPU_NICE_NS_EACH, c, each[1]);
            r.putLong(RecordFields.CPU_SYSTEM_NS_EACH, c, each[2]);
            r.putLong(RecordFields.CPU_IDLE_NS_EACH, c, each[3]);
            r.putLong(RecordFields.CPU_IOWAIT_NS_EACH, c, each[4]);
            r.putLong(RecordFields.CPU_IRQ_NS_EACH, c, each[5]);
            r.putLong(RecordFields.CPU_SOFTIRQ_NS_EACH, c, each[6]);
            r.putLong(RecordFields.CPU_STEAL_NS_EACH, c, each[7]);
            r.putLong(RecordFields.CPU_GUEST_NS_EACH, c, each[8]);
            r.putLong(RecordFields.CPU_GUEST_NICE_NS_EACH, c, each[9]);
        }
        r.putLong(RecordFields.CPU_USER_NS, t * vcpus);
        r.putLong(RecordFields.CPU_CTXT, t / 1000);
        r.putLong(RecordFields.CPU_FORKS, t / 1_000_000);
        r.putInt(RecordFields.PROCS_RUNNING, 3);
        r.putInt(RecordFields.PROCS_BLOCKED, 0);
        r.putLong(RecordFields.BOOT_TIME_UNIX_S, 1_764_800_000L + vm);
        long mem = 2L << 30;
        r.putLong(RecordFields.MEM_TOTAL_BYTES, mem);
        r.putLong(RecordFields.MEM_FREE_BYTES, mem / 3 + vm);
        r.putLong(RecordFields.MEM_AVAILABLE_BYTES, mem / 2 + vm);
        r.putLong(RecordFields.MEM_BUFFERS_BYTES, 123_456_789L);
        r.putLong(RecordFields.MEM_CACHED_BYTES, 456_789_012L);
        r.putLong(RecordFields.MEM_SRECLAIMABLE_BYTES, 34_567_890L);
        r.putLong(RecordFields.MEM_SHMEM_BYTES, 1_234_567L);
        r.putLong(RecordFields.MEM_DIRTY_BYTES, 4096L * vm);
        r.putLong(RecordFields.MEM_COMMITTED_AS_BYTES, mem / 4);
        r.putLong(RecordFields.HUGEPAGE_SIZE_BYTES, 2L << 20);
        r.putInt(RecordFields.FS_COUNT, filesystems);
        for (int f = 0; f < filesystems; f++) {
            r.putString(RecordFields.FS_MOUNT_POINT, f, f == 0 ? "/" : "/var/lib/data" + f);
            r.putString(RecordFields.FS_TYPE, f, "ext4");
            r.putString(RecordFields.FS_DEVICE, f, "/dev/vd" + (char) ('a' + f));
            r.putLong(RecordFields.FS_SIZE_BYTES, f, 10_737_418_240L);
            r.putLong(RecordFields.FS_FREE_BYTES, f, 5_368_709_120L + vm * 4096L);
            r.putLong(RecordFields.FS_AVAILABLE_BYTES, f, 4_831_838_208L + vm * 4096L);
            r.putLong(RecordFields.FS_INODES_TOTAL, f, 655_360);
            r.putLong(RecordFields.FS_INODES_FREE, f, 600_000 + vm);
        }
        r.putInt(RecordFields.VCPU_COUNT, vcpus);
        for (int c = 0; c < vcpus; c++) {
            r.putLong(RecordFields.VCPU_RUN_NS_EACH, c, t / 2 + c);
            r.putLong(RecordFields.VCPU_WAIT_NS_EACH, c, t / 300 + c);
        }
        r.putLong(RecordFields.VMM_CPU_NS, t + 12345);
        r.putLong(RecordFields.VMM_RSS_BYTES, 150_000_000L + vm);
        r.putLong(RecordFields.VMM_PSS_BYTES, 140_000_000L + vm);
        r.putLong(RecordFields.VMM_THREADS, 3 + vcpus);
        r.putLong(RecordFields.CGROUP_CPU_NS, t + 99_999);
        r.putLong(RecordFields.CGROUP_MEMORY_BYTES, mem + 50_000_000L);
        r.putLong(RecordFields.CGROUP_IO_READ_BYTES, 987_654_321L + round);
        r.putLong(RecordFields.CGROUP_IO_WRITE_BYTES, 123_456_789L + round);
        r.putInt(RecordFields.DISK_COUNT, 1);
        r.putString(RecordFields.DISK_NAME, 0, "rootfs");
        r.putLong(RecordFields.DISK_READ_BYTES_EACH, 0, 987_654_321L + round);
        r.putLong(RecordFields.DISK_WRITE_BYTES_EACH, 0, 123_456_789L + round);
        r.putLong(RecordFields.DISK_READ_OPS_EACH, 0, 54_321L + round);
        r.putLong(RecordFields.DISK_WRITE_OPS_EACH, 0, 12_345L + round);
        r.putInt(RecordFields.NIC_COUNT, 1);
        r.putString(RecordFields.NIC_NAME, 0, "tap" + vm);
        r.putLong(RecordFields.NIC_RX_BYTES_EACH, 0, 9_876_543_210L + round);
        r.putLong(RecordFields.NIC_TX_BYTES_EACH, 0, 1_234_567_890L + round);
        r.putLong(RecordFields.NIC_RX_PACKETS_EACH, 0, 8_765_432L + round);
        r.putLong(RecordFields.NIC_TX_PACKETS_EACH, 0, 2_345_678L + round);
        r.putLong(RecordFields.NIC_RX_DROPS_EACH, 0, 3);
        r.putLong(RecordFields.NIC_TX_DROPS_EACH, 0, 0);
        r.putLong(RecordFields.NIC_RX_ERRORS_EACH, 0, 0);
        r.putLong(RecordFields.NIC_TX_ERRORS_EACH, 0, 1);
    }
}
