package io.vmpulse.agent.sample;

import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.Sample;

/**
 * The Sample the encoder must produce from a reading, built field by field with the generated
 * builders: the copy into {@code Sample.Builder} that the sampler made before it encoded by hand.
 */
final class ExpectedSample {

    private ExpectedSample() {}

    static Sample of(
            long seq,
            long wallNs,
            long monoNs,
            CpuSnapshot cpu,
            MemSnapshot memory,
            GuestReading fs,
            int intervalMs,
            long userHz) {
        Sample.Builder b =
                Sample.newBuilder()
                        .setSeq(seq)
                        .setWallTimeUnixNs(wallNs)
                        .setMonotonicNs(monoNs)
                        .setCpu(cpu(cpu, userHz))
                        .setMemory(memory(memory))
                        .setIntervalMs(intervalMs);
        for (int i = 0; i < fs.filesystemCount(); i++) {
            b.addFilesystems(filesystem(fs.filesystem(i)));
        }
        return b.build();
    }

    private static Cpu cpu(CpuSnapshot cpu, long userHz) {
        Cpu.Builder b =
                Cpu.newBuilder()
                        .setTotal(times(cpu.totalTicks, 0, userHz))
                        .setOnlineCpus(cpu.cpuLines)
                        .setColumns(cpu.columns)
                        .setContextSwitches(cpu.contextSwitches)
                        .setForks(cpu.forks)
                        .setProcsRunning((int) cpu.procsRunning)
                        .setProcsBlocked((int) cpu.procsBlocked)
                        .setBootTimeUnixS(cpu.bootTimeSeconds);
        for (int i = 0; i < cpu.cpuCount; i++) {
            b.addPerCpuBuilder()
                    .setCpu(cpu.cpuIds[i])
                    .setTimes(times(cpu.cpuTicks, i * CpuSnapshot.MODES, userHz));
        }
        return b.build();
    }

    private static CpuTimes times(long[] ticks, int offset, long hz) {
        return CpuTimes.newBuilder()
                .setUserNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.USER], hz))
                .setNiceNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.NICE], hz))
                .setSystemNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.SYSTEM], hz))
                .setIdleNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.IDLE], hz))
                .setIowaitNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.IOWAIT], hz))
                .setIrqNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.IRQ], hz))
                .setSoftirqNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.SOFTIRQ], hz))
                .setStealNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.STEAL], hz))
                .setGuestNs(SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.GUEST], hz))
                .setGuestNiceNs(
                        SampleEncoder.ticksToNanos(ticks[offset + CpuSnapshot.GUEST_NICE], hz))
                .build();
    }

    private static Memory memory(MemSnapshot memory) {
        return Memory.newBuilder()
                .setTotalBytes(memory.get(MemSnapshot.Field.MEM_TOTAL))
                .setFreeBytes(memory.get(MemSnapshot.Field.MEM_FREE))
                .setAvailableBytes(memory.availableBytes())
                .setAvailableDerived(memory.availableDerived())
                .setBuffersBytes(memory.get(MemSnapshot.Field.BUFFERS))
                .setCachedBytes(memory.get(MemSnapshot.Field.CACHED))
                .setSreclaimableBytes(memory.get(MemSnapshot.Field.S_RECLAIMABLE))
                .setShmemBytes(memory.get(MemSnapshot.Field.SHMEM))
                .setSwapTotalBytes(memory.get(MemSnapshot.Field.SWAP_TOTAL))
                .setSwapFreeBytes(memory.get(MemSnapshot.Field.SWAP_FREE))
                .setDirtyBytes(memory.get(MemSnapshot.Field.DIRTY))
                .setWritebackBytes(memory.get(MemSnapshot.Field.WRITEBACK))
                .setHugepagesTotal(memory.get(MemSnapshot.Field.HUGE_PAGES_TOTAL))
                .setHugepagesFree(memory.get(MemSnapshot.Field.HUGE_PAGES_FREE))
                .setHugepageSizeBytes(memory.get(MemSnapshot.Field.HUGE_PAGE_SIZE))
                .setCommittedAsBytes(memory.get(MemSnapshot.Field.COMMITTED_AS))
                .build();
    }

    private static Filesystem filesystem(Statvfs fs) {
        Filesystem.Builder b =
                Filesystem.newBuilder()
                        .setMountPoint(ProcfsSampler.bounded(fs.mount.mountPoint()))
                        .setDevice(ProcfsSampler.bounded(fs.mount.source()))
                        .setFsType(ProcfsSampler.bounded(fs.mount.fsType()))
                        .setReadOnly(fs.readOnly)
                        .setSizeBytes(fs.sizeBytes)
                        .setFreeBytes(fs.freeBytes)
                        .setAvailableBytes(fs.availableBytes)
                        .setInodesTotal(fs.inodesTotal)
                        .setInodesFree(fs.inodesFree);
        if (fs.error != null) {
            b.setError(ProcfsSampler.bounded(fs.error));
        }
        return b.build();
    }
}
