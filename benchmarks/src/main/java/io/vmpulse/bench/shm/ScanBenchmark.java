package io.vmpulse.bench.shm;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A full scan of 4,096 live slots: a consistent copy of each (seqlock), as {@code top} or an
 * exporter does every second. Target: at most 1 ms. {@code shape}: see {@link RegistryFixture}.
 * {@code scanWhilePublishing} runs the same scan while another thread publishes into the slots
 * round-robin, so reads meet writes.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScanBenchmark {

    static final int SLOTS = 4096;

    @Param({"typical", "full"})
    public String shape;

    private RegistryFixture fixture;
    private RegistryReader reader;
    private long sink;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        fixture = new RegistryFixture(SLOTS, SLOTS, shape);
        reader = RegistryReader.open(fixture.path);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        reader.close();
        fixture.close();
    }

    /** Per-thread reusable snapshot. */
    @State(Scope.Thread)
    public static class Scratch {
        SlotSnapshot snapshot;
        int next;

        @Setup(Level.Trial)
        public void setUp(ScanBenchmark b) {
            snapshot = b.reader.newSnapshot();
        }
    }

    @Benchmark
    @Group("scan")
    public long scanAllLiveSlots(Scratch s) {
        int skipped = scan(s);
        if (skipped != 0) {
            throw new IllegalStateException(
                    skipped + " slots could not be read consistently with no writer running");
        }
        return sink;
    }

    /**
     * Slots the writer is inside of for longer than the reader's bounded retries (it was preempted
     * mid-write) are skipped, as a real reader would skip them until its next scan.
     */
    @Benchmark
    @Group("scanWhilePublishing")
    @GroupThreads(1)
    public int scanner(Scratch s) {
        return scan(s);
    }

    @Benchmark
    @Group("scanWhilePublishing")
    @GroupThreads(1)
    public void publisher(Scratch s) {
        fixture.writer.publish(s.next, fixture.sample);
        s.next = (s.next + 1) % SLOTS;
    }

    /**
     * One slot read on its own, as a reader that follows one VM does: the size check (one fstat, so
     * that a truncated file is reported instead of raising SIGBUS) and the seqlock copy.
     */
    @Benchmark
    @Group("readOne")
    public long readOneSlot(Scratch s) {
        if (!reader.read(s.next, s.snapshot)) {
            throw new IllegalStateException(
                    "slot " + s.next + " could not be read with no writer running");
        }
        s.next = (s.next + 1) % SLOTS;
        return s.snapshot.sample().getLong(RecordFields.MEM_TOTAL_BYTES);
    }

    /** Reads every live slot consistently; returns how many were skipped. */
    private int scan(Scratch s) {
        sink = 0;
        return reader.forEachLive(
                s.snapshot, snap -> sink += snap.sample().getLong(RecordFields.MEM_TOTAL_BYTES));
    }
}
