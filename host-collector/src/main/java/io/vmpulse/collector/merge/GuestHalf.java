package io.vmpulse.collector.merge;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.Sample;

/**
 * Copies a guest {@link Sample} (already validated by ingest) into the guest half of a
 * {@link VmRecord}, with the figures that need only this one sample: {@code fs.used_pct},
 * {@code fs_used_max_pct} and {@code mem_used_pct}. Leaves the host half, the interval rates and
 * the freshness fields to their owners.
 *
 * <p>Bounds the untrusted input to the slot's fixed sizes: text is cut to its field, filesystems
 * beyond {@link RecordFields#MAX_FILESYSTEMS} are counted in {@code fs_omitted}, not stored.
 */
public final class GuestHalf {

    private GuestHalf() {
    }

    public static void copy(Sample in, String bootId, VmRecord out) {
        out.putLong(GUEST_SEQ, in.getSeq());
        out.putLong(GUEST_WALL_UNIX_NS, in.getWallTimeUnixNs());
        out.putLong(GUEST_MONO_NS, in.getMonotonicNs());
        out.putInt(GUEST_INTERVAL_MS, in.getIntervalMs());
        out.putString(BOOT_ID, bootId);
        out.setPresent(RecordFlags.PRESENT_GUEST_CPU, in.hasCpu());
        copyCpu(in.getCpu(), out);
        out.setPresent(RecordFlags.PRESENT_GUEST_MEMORY, in.hasMemory());
        copyMemory(in.getMemory(), out);
        out.setPresent(RecordFlags.PRESENT_GUEST_FS, in.getFilesystemsCount() > 0);
        copyFilesystems(in, out);
    }

    private static void copyCpu(Cpu cpu, VmRecord out) {
        CpuTimes t = cpu.getTotal();
        out.putLong(CPU_USER_NS, t.getUserNs());
        out.putLong(CPU_NICE_NS, t.getNiceNs());
        out.putLong(CPU_SYSTEM_NS, t.getSystemNs());
        out.putLong(CPU_IDLE_NS, t.getIdleNs());
        out.putLong(CPU_IOWAIT_NS, t.getIowaitNs());
        out.putLong(CPU_IRQ_NS, t.getIrqNs());
        out.putLong(CPU_SOFTIRQ_NS, t.getSoftirqNs());
        out.putLong(CPU_STEAL_NS, t.getStealNs());
        out.putLong(CPU_GUEST_NS, t.getGuestNs());
        out.putLong(CPU_GUEST_NICE_NS, t.getGuestNiceNs());
        out.putInt(CPU_ONLINE, cpu.getOnlineCpus());
        out.putInt(CPU_COLUMNS, cpu.getColumns());
        out.putLong(CPU_CTXT, cpu.getContextSwitches());
        out.putLong(CPU_FORKS, cpu.getForks());
        out.putInt(PROCS_RUNNING, cpu.getProcsRunning());
        out.putInt(PROCS_BLOCKED, cpu.getProcsBlocked());
        out.putLong(BOOT_TIME_UNIX_S, cpu.getBootTimeUnixS());
    }

    private static void copyMemory(Memory m, VmRecord out) {
        out.putLong(MEM_TOTAL_BYTES, m.getTotalBytes());
        out.putLong(MEM_FREE_BYTES, m.getFreeBytes());
        out.putLong(MEM_AVAILABLE_BYTES, m.getAvailableBytes());
        out.putInt(MEM_AVAILABLE_DERIVED, m.getAvailableDerived() ? 1 : 0);
        out.putLong(MEM_BUFFERS_BYTES, m.getBuffersBytes());
        out.putLong(MEM_CACHED_BYTES, m.getCachedBytes());
        out.putLong(MEM_SRECLAIMABLE_BYTES, m.getSreclaimableBytes());
        out.putLong(MEM_SHMEM_BYTES, m.getShmemBytes());
        out.putLong(SWAP_TOTAL_BYTES, m.getSwapTotalBytes());
        out.putLong(SWAP_FREE_BYTES, m.getSwapFreeBytes());
        out.putLong(MEM_DIRTY_BYTES, m.getDirtyBytes());
        out.putLong(MEM_WRITEBACK_BYTES, m.getWritebackBytes());
        out.putLong(HUGEPAGES_TOTAL, m.getHugepagesTotal());
        out.putLong(HUGEPAGES_FREE, m.getHugepagesFree());
        out.putLong(HUGEPAGE_SIZE_BYTES, m.getHugepageSizeBytes());
        out.putDouble(MEM_USED_PCT, usedPct(m.getTotalBytes() - Math.min(m.getAvailableBytes(), m.getTotalBytes()), m.getTotalBytes()));
    }

    private static void copyFilesystems(Sample in, VmRecord out) {
        int n = Math.min(in.getFilesystemsCount(), MAX_FILESYSTEMS);
        out.putInt(FS_COUNT, n);
        out.putInt(FS_OMITTED, in.getFilesystemsCount() - n);
        double max = 0;
        for (int i = 0; i < MAX_FILESYSTEMS; i++) {
            Filesystem f = i < n ? in.getFilesystems(i) : Filesystem.getDefaultInstance();
            out.putString(FS_MOUNT_POINT, i, f.getMountPoint());
            out.putString(FS_TYPE, i, f.getFsType());
            out.putLong(FS_SIZE_BYTES, i, f.getSizeBytes());
            out.putLong(FS_FREE_BYTES, i, f.getFreeBytes());
            out.putLong(FS_AVAILABLE_BYTES, i, f.getAvailableBytes());
            out.putLong(FS_INODES_TOTAL, i, f.getInodesTotal());
            out.putLong(FS_INODES_FREE, i, f.getInodesFree());
            out.putInt(FS_FLAGS, i, (f.getError().isEmpty() ? 0 : RecordFlags.FS_ERROR) | (f.getReadOnly() ? RecordFlags.FS_READ_ONLY : 0));
            double pct = fsUsedPct(f);
            out.putDouble(FS_USED_PCT, i, pct);
            max = Math.max(max, pct);
        }
        out.putDouble(FS_USED_MAX_PCT, max);
    }

    /** As df computes Use%: used / (used + available), where used = size - free. */
    static double fsUsedPct(Filesystem f) {
        if (!f.getError().isEmpty() || Long.compareUnsigned(f.getFreeBytes(), f.getSizeBytes()) > 0) {
            return 0;
        }
        long used = f.getSizeBytes() - f.getFreeBytes();
        return usedPct(used, used + Math.min(f.getAvailableBytes(), f.getFreeBytes()));
    }

    private static double usedPct(long used, long total) {
        return total <= 0 ? 0 : 100.0 * used / total;
    }
}
