package io.vmpulse.agent.sample;

import io.vmpulse.proto.v1.Sample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * For tests of later stages (the encoder in {@code wire}): readings from fixture files, the Sample
 * the generated builders make of a reading, and the edits that put extreme values into one, all of
 * which reach into this package's structs.
 */
public final class TestReadings {

    public static final int MAX_CPUS = CpuSnapshot.MAX_CPUS;
    public static final int MAX_FILESYSTEMS = FilesystemSelection.MAX_FILESYSTEMS;
    public static final int MAX_STRING_CHARS = ProcfsSampler.MAX_STRING_CHARS;

    private TestReadings() {}

    /**
     * A sampler of fixture files written under {@code proc}: {@code stat}, {@code meminfo}, {@code
     * self/mountinfo}.
     */
    public static ProcfsSampler fixtureSampler(
            Path proc, byte[] stat, byte[] meminfo, String mountinfo) throws Exception {
        Files.write(proc.resolve("stat"), stat);
        Files.write(proc.resolve("meminfo"), meminfo);
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/mountinfo"), mountinfo, StandardCharsets.UTF_8);
        return new ProcfsSampler(proc, Duration.ofSeconds(1));
    }

    /** The bytes of a fixture file under src/test/resources/io/vmpulse/agent/sample. */
    public static byte[] fixture(String name) {
        return Fixtures.bytes(name);
    }

    public static String bounded(String s) {
        return ProcfsSampler.bounded(s);
    }

    /**
     * The Sample the generated builders make of {@code r} as sample {@code seq} at {@code
     * intervalMs}.
     */
    public static Sample expected(long seq, GuestReading r, int intervalMs) {
        return ExpectedSample.of(
                seq, r.wallTimeNanos, r.monotonicNanos, r.cpu, r.memory, r, intervalMs, r.userHz());
    }

    public static void setClock(GuestReading r, long wallTimeNanos, long monotonicNanos) {
        r.wallTimeNanos = wallTimeNanos;
        r.monotonicNanos = monotonicNanos;
    }

    /**
     * Values above the signed maximum of every unsigned field kind, and negative ones in signed
     * fields.
     */
    public static void setUnsignedExtremes(GuestReading r) {
        r.cpu.contextSwitches = -1L;
        r.cpu.forks = Long.MIN_VALUE;
        r.cpu.procsRunning = 0xFFFF_FFFFL;
        r.cpu.procsBlocked = 0x8000_0000L;
        r.cpu.bootTimeSeconds = -1L;
        r.cpu.totalTicks[CpuSnapshot.IDLE] = -1L;
        r.memory.values[MemSnapshot.Field.MEM_TOTAL.ordinal()] = -2L;
        r.filesystem(0).sizeBytes = Long.MIN_VALUE + 1;
        r.filesystem(0).inodesTotal = -1L;
    }

    public static void failFilesystem(GuestReading r, int i, String why) {
        r.filesystem(i).fail(why);
    }

    public static void setError(GuestReading r, int i, String error) {
        r.filesystem(i).error = error;
    }

    /**
     * Gives every number of the reading a non-zero value derived from {@code v}, and the last
     * filesystem an error.
     */
    public static void populate(GuestReading r, long v) {
        CpuSnapshot cpu = r.cpu;
        cpu.columns = CpuSnapshot.MODES;
        Arrays.fill(cpu.totalTicks, v);
        Arrays.fill(cpu.cpuTicks, 0, cpu.cpuCount * CpuSnapshot.MODES, v);
        for (int i = 0; i < cpu.cpuCount; i++) {
            cpu.cpuIds[i] = i + 1;
        }
        cpu.contextSwitches = v;
        cpu.forks = v;
        cpu.procsRunning = v;
        cpu.procsBlocked = v;
        cpu.bootTimeSeconds = v;
        Arrays.fill(r.memory.values, v);
        r.memory.present &= ~(1L << MemSnapshot.Field.MEM_AVAILABLE.ordinal());
        for (int i = 0; i < r.filesystemCount(); i++) {
            Statvfs fs = r.filesystem(i);
            fs.readOnly = true;
            fs.sizeBytes = v;
            fs.freeBytes = v;
            fs.availableBytes = v;
            fs.inodesTotal = v;
            fs.inodesFree = v;
        }
        r.filesystem(r.filesystemCount() - 1).error = "statvfs failed: populated";
    }
}
