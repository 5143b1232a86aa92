package io.vmpulse.bench.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import com.sun.net.httpserver.HttpServer;
import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.exporter.otlp.OtlpPusher;
import io.vmpulse.exporter.otlp.OtlpSettings;
import io.vmpulse.exporter.otlp.RegistryMetrics;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * One OTLP push of N VMs (2 vCPUs, 2 guest CPUs, 3 filesystems, 1 disk, 1 NIC each): the exporter's
 * CPU time per push and the request's bytes, gzipped and not; beside it the raw work, one seqlock
 * scan of the same registry, and the scan plus the building of the MetricData.
 *
 * <p>CPU per push is the process's CPU time (every thread: the push thread, the JDK HttpClient's,
 * GC and JIT) minus the CPU of the in-process receiver's threads, over a run of pushes after a
 * warm-up. Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.vmpulse.bench.otlp.OtlpPushFigures [vms] [pushes]}.
 */
public final class OtlpPushFigures {

    public static void main(String[] args) throws Exception {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int pushes = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path path = Path.of("/dev/shm/vmpulse-bench-otlp-" + ProcessHandle.current().pid());
        AtomicLong wireBytes = new AtomicLong();
        AtomicLong bodyBytes = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        HttpServer sink =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sink.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "otlp-sink")));
        sink.createContext(
                "/v1/metrics",
                ex -> {
                    try (ex) {
                        byte[] wire = ex.getRequestBody().readAllBytes();
                        byte[] body =
                                "gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))
                                        ? new GZIPInputStream(new ByteArrayInputStream(wire))
                                                .readAllBytes()
                                        : wire;
                        wireBytes.addAndGet(wire.length);
                        bodyBytes.addAndGet(body.length);
                        requests.incrementAndGet();
                        ex.sendResponseHeaders(200, -1);
                    }
                });
        sink.start();
        try (RegistryWriter writer = RegistryWriter.create(new RegistryOptions(path, vms, null))) {
            for (int i = 0; i < vms; i++) {
                writer.publish(writer.claim("bench-vm-" + i), fill(i));
            }
            System.out.printf(
                    "OTLP push of %d VMs, %d pushes after warm-up, %d CPUs, load %s%n",
                    vms, pushes, Runtime.getRuntime().availableProcessors(), loadAverage());
            try (RegistryMetrics m = new RegistryMetrics(path)) {
                var data = m.collect(System.currentTimeMillis() * 1_000_000L);
                long points = data.stream().mapToLong(d -> d.getData().getPoints().size()).sum();
                System.out.printf(
                        "per push: %d metrics (%d per VM), %d points (%d per VM)%n",
                        data.size(), data.size() / vms, points, points / vms);
            }
            double scan = rawScan(path, pushes);
            double build = buildOnly(path, pushes);
            System.out.printf("raw work: seqlock scan of every slot         %8.2f ms CPU%n", scan);
            System.out.printf(
                    "scan + MetricData for every VM               %8.2f ms CPU (%.1fx the scan)%n",
                    build, build / scan);
            URI endpoint = URI.create("http://127.0.0.1:" + sink.getAddress().getPort());
            for (String compression : new String[] {"none", "gzip"}) {
                OtlpSettings s =
                        OtlpSettings.of(endpoint, Duration.ofHours(1)).withCompression(compression);
                try (OtlpPusher pusher = new OtlpPusher(path, s)) {
                    double[] cpu = new double[pushes];
                    double[] wall = new double[pushes];
                    double[] alloc = new double[pushes];
                    for (int i = 0; i < 20; i++) {
                        pusher.pushOnce();
                    }
                    for (int i = 0; i < pushes; i++) {
                        long c0 = processCpu() - sinkCpu();
                        wireBytes.set(0);
                        bodyBytes.set(0);
                        requests.set(0);
                        long a0 = allocated();
                        long w0 = System.nanoTime();
                        if (!pusher.pushOnce()) {
                            throw new IllegalStateException("push failed");
                        }
                        wall[i] = (System.nanoTime() - w0) / 1e6;
                        cpu[i] = (processCpu() - sinkCpu() - c0) / 1e6;
                        alloc[i] = (allocated() - a0) / 1048576.0;
                    }
                    System.out.printf(
                            "push, %-4s: CPU median %7.2f ms, p99 %7.2f ms (%.1fx the scan); wall median %7.2f ms; "
                                    + "%d requests, %,d bytes on the wire, %,d bytes of protobuf%n",
                            compression,
                            pct(cpu, 50),
                            pct(cpu, 99),
                            pct(cpu, 50) / scan,
                            pct(wall, 50),
                            requests.get(),
                            wireBytes.get(),
                            bodyBytes.get());
                    System.out.printf(
                            "            heap allocated per push (every thread but the receiver's): median %.1f MiB%n",
                            pct(alloc, 50));
                }
            }
        } finally {
            sink.stop(0);
            Files.deleteIfExists(path);
        }
        System.exit(0);
    }

    private static double rawScan(Path path, int rounds) throws Exception {
        try (RegistryReader r = RegistryReader.open(path)) {
            SlotSnapshot s = r.newSnapshot();
            long[] sink = new long[1];
            double[] cpu = new double[rounds];
            for (int i = 0; i < 200 + rounds; i++) {
                long c0 = threadCpu();
                r.forEachLive(s, x -> sink[0] += x.sample().getLong(MEM_TOTAL_BYTES));
                if (i >= 200) {
                    cpu[i - 200] = (threadCpu() - c0) / 1e6;
                }
            }
            return pct(cpu, 50);
        }
    }

    private static double buildOnly(Path path, int rounds) throws Exception {
        try (RegistryMetrics m = new RegistryMetrics(path)) {
            double[] cpu = new double[rounds];
            long n = 0;
            for (int i = 0; i < 50 + rounds; i++) {
                long c0 = threadCpu();
                n += m.collect(System.currentTimeMillis() * 1_000_000L).size();
                if (i >= 50) {
                    cpu[i - 50] = (threadCpu() - c0) / 1e6;
                }
            }
            if (n == 0) {
                throw new IllegalStateException("no metrics");
            }
            return pct(cpu, 50);
        }
    }

    /**
     * A VM as the benchmark asks: 2 vCPUs, 3 filesystems, 1 disk, 1 NIC, every group
     * present.
     */
    static VmRecord fill(int i) {
        VmRecord r = new VmRecord();
        long now = System.currentTimeMillis() * 1_000_000L;
        r.putLong(FLAGS, RecordFlags.FLAG_GUEST_CONNECTED);
        r.putLong(
                PRESENCE,
                RecordFlags.PRESENT_GUEST_CPU
                        | RecordFlags.PRESENT_GUEST_MEMORY
                        | RecordFlags.PRESENT_GUEST_FS
                        | RecordFlags.PRESENT_HOST_VCPU
                        | RecordFlags.PRESENT_HOST_PROCESS
                        | RecordFlags.PRESENT_HOST_CGROUP
                        | RecordFlags.PRESENT_HOST_BLOCK
                        | RecordFlags.PRESENT_HOST_NET
                        | RecordFlags.PRESENT_HOST_DISK_OPS
                        | RecordFlags.PRESENT_HOST_NET_DROPS
                        | RecordFlags.PRESENT_HOST_NET_ERRORS);
        r.putLong(LAST_GUEST_UNIX_NS, now);
        r.putLong(LAST_HOST_UNIX_NS, now);
        r.putLong(BOOT_TIME_UNIX_S, now / 1_000_000_000L - 3600);
        r.putInt(CPU_COLUMNS, 10);
        r.putInt(CPU_ONLINE, 2);
        r.putInt(CPU_COUNT, 2);
        RecordField[] each = {
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
            r.putInt(CPU_NUMBER, c, c);
            for (int m = 0; m < each.length; m++) {
                r.putLong(each[m], c, 1_000_000_000L * (i + m + c) + 12_345);
            }
        }
        r.putLong(CPU_CTXT, 123_456_789L + i);
        r.putLong(CPU_FORKS, 12_345L + i);
        r.putInt(PROCS_RUNNING, 2);
        r.putLong(MEM_TOTAL_BYTES, 2L << 30);
        r.putLong(MEM_FREE_BYTES, 1L << 29);
        r.putLong(MEM_AVAILABLE_BYTES, 1L << 30);
        r.putLong(MEM_CACHED_BYTES, 300L << 20);
        r.putLong(MEM_BUFFERS_BYTES, 20L << 20);
        r.putLong(MEM_COMMITTED_AS_BYTES, 900L << 20);
        r.putInt(FS_COUNT, 3);
        String[] mounts = {"/", "/data", "/scratch"};
        for (int f = 0; f < 3; f++) {
            r.putString(FS_MOUNT_POINT, f, mounts[f]);
            r.putString(FS_TYPE, f, "ext4");
            r.putString(FS_DEVICE, f, "/dev/vd" + (char) ('a' + f));
            r.putLong(FS_SIZE_BYTES, f, 10L << 30);
            r.putLong(FS_FREE_BYTES, f, 4L << 30);
            r.putLong(FS_AVAILABLE_BYTES, f, 3L << 30);
            r.putLong(FS_INODES_TOTAL, f, 655_360);
            r.putLong(FS_INODES_FREE, f, 600_000 + i);
        }
        r.putInt(VCPU_COUNT, 2);
        for (int v = 0; v < 2; v++) {
            r.putLong(VCPU_RUN_NS_EACH, v, 7_000_000_000L + i);
            r.putLong(VCPU_WAIT_NS_EACH, v, 300_000_000L + i);
        }
        r.putLong(VMM_CPU_NS, 25_000_000_000L + i);
        r.putLong(VMM_RSS_BYTES, 300L << 20);
        r.putLong(VMM_PSS_BYTES, 280L << 20);
        r.putLong(VMM_THREADS, 5);
        r.putInt(DISK_COUNT, 1);
        r.putString(DISK_NAME, 0, "rootfs");
        r.putLong(DISK_READ_BYTES_EACH, 0, 1L << 30);
        r.putLong(DISK_WRITE_BYTES_EACH, 0, 1L << 29);
        r.putLong(DISK_READ_OPS_EACH, 0, 10_000 + i);
        r.putLong(DISK_WRITE_OPS_EACH, 0, 5_000 + i);
        r.putInt(NIC_COUNT, 1);
        r.putString(NIC_NAME, 0, "tap" + i);
        r.putLong(NIC_RX_BYTES_EACH, 0, 1L << 28);
        r.putLong(NIC_TX_BYTES_EACH, 0, 1L << 27);
        r.putLong(NIC_RX_PACKETS_EACH, 0, 100_000 + i);
        r.putLong(NIC_TX_PACKETS_EACH, 0, 90_000 + i);
        r.putString(HYPERVISOR, "firecracker");
        r.putString(LABELS, "tenant=t" + (i % 50) + "\nenv=prod");
        r.putString(KERNEL_RELEASE, "6.1.0-28-amd64");
        r.putString(AGENT_VERSION, "0.1.0");
        return r;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static long threadCpu() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** Bytes allocated so far by every live thread but the receiver's. */
    private static long allocated() {
        var t = (com.sun.management.ThreadMXBean) THREADS;
        long total = 0;
        for (ThreadInfo i : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (i != null && !isSink(i)) {
                total += Math.max(0, t.getThreadAllocatedBytes(i.getThreadId()));
            }
        }
        return total;
    }

    private static boolean isSink(ThreadInfo t) {
        return t.getThreadName().equals("otlp-sink")
                || t.getThreadName().startsWith("HTTP-Dispatcher");
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** CPU of the in-process receiver (its handler thread and the HttpServer dispatcher). */
    private static long sinkCpu() {
        long total = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && isSink(t)) {
                total += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    private static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    private static String loadAverage() {
        return String.format(
                "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
