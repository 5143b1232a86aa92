package io.vmpulse.bench.shm;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The same work as {@link PublishBenchmark} and {@link ScanBenchmark}'s {@code scan}, timed in the
 * measuring thread's CPU time rather than wall time, so that a machine shared with other busy
 * processes (where JMH's wall-clock figures mostly measure the waiting) still gives comparable
 * figures. Prints, per shape, the median and lowest of several rounds, and the load average.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.vmpulse.bench.shm.ShmCpuFigures
 * [rounds]}.
 */
public final class ShmCpuFigures {

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.out.println("load before: " + load());
        for (String shape : new String[] {"typical", "full"}) {
            double[] publish = new double[rounds];
            double[] copyOut = new double[rounds];
            double[] scan = new double[rounds];
            RegistryFixture one = new RegistryFixture(4096, 1, shape);
            try {
                for (int w = 0; w < 3; w++) {
                    publishCpuNanos(one, 200_000);
                }
                for (int r = 0; r < rounds; r++) {
                    publish[r] = publishCpuNanos(one, 500_000);
                }
                // A merge starts from the VM's record in its slot (RegistryWriter.copyOut).
                one.writer.publish(0, one.sample);
                VmRecord scratch = new VmRecord();
                for (int w = 0; w < 3; w++) {
                    copyOutCpuNanos(one, scratch, 200_000);
                }
                for (int r = 0; r < rounds; r++) {
                    copyOut[r] = copyOutCpuNanos(one, scratch, 500_000);
                }
            } finally {
                one.close();
            }
            RegistryFixture all = new RegistryFixture(4096, 4096, shape);
            try (RegistryReader reader = RegistryReader.open(all.path)) {
                SlotSnapshot s = reader.newSnapshot();
                for (int w = 0; w < 3; w++) {
                    scanCpuNanos(reader, s, 30);
                }
                for (int r = 0; r < rounds; r++) {
                    scan[r] = scanCpuNanos(reader, s, 50);
                }
            } finally {
                all.close();
            }
            Arrays.sort(publish);
            Arrays.sort(copyOut);
            Arrays.sort(scan);
            System.out.printf(
                    "%-8s publish one slot: median %.0f ns CPU, lowest %.0f ns;"
                            + " copy a slot's record out: median %.0f ns, lowest %.0f ns;"
                            + " scan of 4,096 slots: median %.3f ms CPU, lowest %.3f ms%n",
                    shape,
                    publish[rounds / 2],
                    publish[0],
                    copyOut[rounds / 2],
                    copyOut[0],
                    scan[rounds / 2] / 1e6,
                    scan[0] / 1e6);
        }
        System.out.println("load after: " + load());
    }

    private static double publishCpuNanos(RegistryFixture f, int n) {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            f.writer.publish(0, f.sample);
        }
        return (double) (CPU.getCurrentThreadCpuTime() - t0) / n;
    }

    private static double copyOutCpuNanos(RegistryFixture f, VmRecord into, int n) {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            f.writer.copyOut(0, into);
        }
        sink += into.getLong(RecordFields.MEM_TOTAL_BYTES);
        return (double) (CPU.getCurrentThreadCpuTime() - t0) / n;
    }

    private static long sink;

    private static double scanCpuNanos(RegistryReader reader, SlotSnapshot s, int n) {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            int skipped =
                    reader.forEachLive(
                            s, snap -> sink += snap.sample().getLong(RecordFields.MEM_TOTAL_BYTES));
            if (skipped != 0) {
                throw new IllegalStateException(skipped + " slots skipped with no writer running");
            }
        }
        return (double) (CPU.getCurrentThreadCpuTime() - t0) / n;
    }

    private static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
