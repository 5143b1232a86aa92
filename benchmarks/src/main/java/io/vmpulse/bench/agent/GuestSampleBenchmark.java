package io.vmpulse.bench.agent;

import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One guest sample on this machine: pread + parse of /proc/stat, /proc/meminfo and
 * /proc/self/mountinfo, then statvfs of every reported filesystem ({@link #readAndParse}); and the
 * same plus encoding the protobuf {@code Sample} into a reused buffer ({@link #sampleIntoMessage}).
 * {@code bench/sample_loop.c} makes the same syscalls in C; {@code bench/agent-sample.sh} runs
 * both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GuestSampleBenchmark {

    private ProcfsSampler sampler;
    private SampleBuffer message;
    private final SampleEncoder encoder = new SampleEncoder();
    private long seq;

    @Setup
    public void open() {
        sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
        message = new SampleBuffer();
    }

    @TearDown
    public void close() {
        sampler.close();
    }

    @Benchmark
    public void readAndParse() {
        sampler.read();
    }

    @Benchmark
    public SampleBuffer sampleIntoMessage() {
        encoder.encode(++seq, sampler.read(), 1000, message);
        return message;
    }
}
