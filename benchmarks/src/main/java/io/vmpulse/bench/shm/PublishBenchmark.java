package io.vmpulse.bench.shm;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Publishing one slot: hash the record into its checksum and copy it into the slot under the
 * seqlock (since ABI 1.4 only its used blocks). Target: at most 250 ns. {@code shape}: see {@link
 * RegistryFixture}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PublishBenchmark {

    @Param({"typical", "full"})
    public String shape;

    private RegistryFixture fixture;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        fixture = new RegistryFixture(4096, 1, shape);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        fixture.close();
    }

    @Benchmark
    public void publishOneSlot() {
        fixture.writer.publish(0, fixture.sample);
    }
}
