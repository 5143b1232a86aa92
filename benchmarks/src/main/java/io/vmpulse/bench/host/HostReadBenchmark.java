package io.vmpulse.bench.host;

import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HostTargets;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The cost of one VM's host-side read: the vCPU threads' schedstat, the VMM's stat (and
 * smaps_rollup every 10th read), /proc/PID/io as the block source, and the 8 counters of a TAP.
 * bench/host_read_loop.c does the same syscalls in C; bench/host-read.sh runs both against the same
 * stand-in VMM.
 *
 * <p>{@code pid} 0 makes this JVM the stand-in, with two parked threads named {@code fc_vcpu N}
 * (Java sets a thread's name as its comm). {@code rescanEvery} is how many reads pass between two
 * searches for vCPU threads: the default, and practically never, to show what the search costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HostReadBenchmark {

    @Param("0")
    public int pid;

    @Param("lo")
    public String tap;

    @Param({"10", "1000000000"})
    public int rescanEvery;

    private HostSampler sampler;
    private final HostReading reading = new HostReading();

    @Setup
    public void setUp() {
        if (pid == 0) {
            for (int i = 0; i < 2; i++) {
                Thread vcpu =
                        new Thread(
                                () -> {
                                    while (true) {
                                        LockSupport.park();
                                    }
                                },
                                "fc_vcpu " + i);
                vcpu.setDaemon(true);
                vcpu.start();
            }
            pid = (int) ProcessHandle.current().pid();
        }
        HostSampler.Options d = HostSampler.Options.defaults();
        // libkrun: vCPU threads named like Firecracker's, no device counters, so /proc/PID/io is
        // the block source.
        sampler =
                new HostSampler(
                        new HostTargets(
                                HypervisorKind.LIBKRUN,
                                pid,
                                List.of(tap),
                                List.of(),
                                null,
                                null,
                                null,
                                false,
                                null),
                        new HostSampler.Options(
                                d.procRoot(),
                                d.sysfsRoot(),
                                d.socketTimeout(),
                                d.flushInterval(),
                                rescanEvery,
                                d.pssEvery(),
                                null));
        sampler.read(reading);
        for (Source s : List.of(Source.VCPU, Source.PROCESS, Source.BLOCK, Source.NET)) {
            if (!reading.isPresent(s)) {
                throw new IllegalStateException(s + " not read: " + reading.error(s));
            }
        }
        if (reading.vcpuCount != 2) {
            throw new IllegalStateException(
                    "expected 2 vCPU threads in " + pid + ", found " + reading.vcpuCount);
        }
    }

    @Benchmark
    public HostReading read() {
        sampler.read(reading);
        return reading;
    }

    @TearDown
    public void tearDown() {
        sampler.close();
    }
}
