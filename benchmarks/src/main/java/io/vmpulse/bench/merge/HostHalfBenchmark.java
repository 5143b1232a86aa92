package io.vmpulse.bench.merge;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.RecordMerger;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.registry.layout.VmRecord;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One host reading merged into a record (RecordMerger.hostRead: HostHalf's copy and the rates): the
 * host half of every publish. Two vCPUs, block and net present with their totals, as a Firecracker
 * VM with one drive and one TAP gives them; the per-device entries (ABI 1.3) are filled where this
 * build's HostReading has them (see {@link #setUp}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HostHalfBenchmark {

    private final RecordMerger merger = new RecordMerger();
    private final VmRecord out = new VmRecord();
    private HostReading reading;
    private long t;

    @Setup
    public void setUp() throws Exception {
        reading = fill(new HostReading());
        merger.hostRead(out, fill(new HostReading()), 0);
    }

    private static HostReading fill(HostReading r) throws Exception {
        r.resetVcpuSlots(2);
        r.vcpuCount = 2;
        r.vcpuRunNs = r.vcpuWaitNs = 1_000_000;
        for (int i = 0; i < 2; i++) {
            r.vcpuRunNsByIndex[i] = 500_000;
            r.vcpuWaitNsByIndex[i] = 500_000;
            r.vcpuTidByIndex[i] = 100 + i;
        }
        r.vmmCpuNs = r.vmmRssBytes = r.vmmPssBytes = 1 << 20;
        r.vmmThreads = 5;
        r.diskReadBytes = r.diskWriteBytes = r.diskReadOps = r.diskWriteOps = 4096;
        r.netRxBytes = r.netTxBytes = r.netRxPackets = r.netTxPackets = 1500;
        r.netRxDropped = r.netTxDropped = r.netRxErrors = r.netTxErrors = 0;
        // Per-device entries where this build has them; by reflection so that the same source
        // measures the collector before ABI 1.3 (without them) and after.
        try {
            HostReading.class
                    .getMethod(
                            "addDisk", String.class, long.class, long.class, long.class, long.class)
                    .invoke(r, "rootfs", 4096L, 4096L, 4096L, 4096L);
            HostReading.class
                    .getMethod(
                            "addNic",
                            String.class,
                            long.class,
                            long.class,
                            long.class,
                            long.class,
                            long.class,
                            long.class,
                            long.class,
                            long.class)
                    .invoke(r, "tap0", 1500L, 1500L, 1500L, 1500L, 0L, 0L, 0L, 0L);
        } catch (NoSuchMethodException before13) {
            // the collector before 1.3 keeps totals only
        }
        for (Source s : new Source[] {Source.VCPU, Source.PROCESS, Source.BLOCK, Source.NET}) {
            r.markPresent(s);
        }
        return r;
    }

    @Benchmark
    public Object mergeOneHostReading() {
        // One reading, refilled a second later, as a merge thread's own reading is.
        reading.readStartNanos = t += 1_000_000_000L;
        merger.hostRead(out, reading, t);
        return out;
    }
}
