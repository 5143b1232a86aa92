package io.vmpulse.bench.merge;

import io.vmpulse.collector.merge.GuestHalf;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
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
 * Copying one guest sample into a record (GuestHalf): the guest half of every merge. The sample is
 * what the agent sends from a 4-CPU guest with 3 filesystems, every memory field set. Run with
 * {@code -prof gc} to see the bytes allocated per copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GuestHalfBenchmark {

    private final VmRecord out = new VmRecord();
    private Sample sample;
    private Hello hello;

    @Setup
    public void setUp() {
        Cpu.Builder cpu =
                Cpu.newBuilder()
                        .setTotal(times(4))
                        .setOnlineCpus(4)
                        .setColumns(10)
                        .setContextSwitches(123_456_789L)
                        .setForks(4242)
                        .setProcsRunning(2)
                        .setBootTimeUnixS(1_700_000_000L);
        for (int i = 0; i < 4; i++) {
            cpu.addPerCpu(PerCpu.newBuilder().setCpu(i).setTimes(times(1)));
        }
        Memory.Builder m = Memory.newBuilder();
        long v = 1 << 20;
        for (var f : Memory.getDescriptor().getFields()) {
            if (f.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.LONG) {
                m.setField(f, v += 4096);
            }
        }
        Sample.Builder s =
                Sample.newBuilder()
                        .setSeq(7)
                        .setWallTimeUnixNs(1_700_000_000_000_000_000L)
                        .setMonotonicNs(9_000_000_000L)
                        .setIntervalMs(1000)
                        .setCpu(cpu)
                        .setMemory(m);
        for (String mount : new String[] {"/", "/var", "/data"}) {
            s.addFilesystems(
                    Filesystem.newBuilder()
                            .setMountPoint(mount)
                            .setDevice("/dev/vd" + mount.length())
                            .setFsType("ext4")
                            .setSizeBytes(10L << 30)
                            .setFreeBytes(4L << 30)
                            .setAvailableBytes(3L << 30)
                            .setInodesTotal(655_360)
                            .setInodesFree(600_000));
        }
        sample = s.build();
        hello =
                Hello.newBuilder()
                        .setBootId("0f3e1b7c-5b7e-4c4e-9b8d-3b1c2d4e5f60")
                        .setAgentVersion("1.3.0")
                        .setKernelRelease("6.1.0-27-amd64")
                        .setAgentInstance("i")
                        .build();
    }

    private static CpuTimes times(long k) {
        return CpuTimes.newBuilder()
                .setUserNs(k * 1_000_000_000L)
                .setNiceNs(k * 10_000_000L)
                .setSystemNs(k * 500_000_000L)
                .setIdleNs(k * 90_000_000_000L)
                .setIowaitNs(k * 20_000_000L)
                .setIrqNs(k * 1_000_000L)
                .setSoftirqNs(k * 3_000_000L)
                .setStealNs(k * 7_000_000L)
                .build();
    }

    @Benchmark
    public VmRecord copyOneSample() {
        GuestHalf.copy(sample, hello, out);
        return out;
    }
}
