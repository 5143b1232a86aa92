package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * Copies a guest {@link Sample} (already validated by ingest) and the {@link Hello} of its stream
 * into the guest half of a {@link VmRecord}, with the figures that need only this one sample:
 * {@code fs.used_pct}, {@code fs_used_max_pct} and {@code mem_used_pct}. Leaves the host half, the
 * interval rates and the freshness fields to their owners.
 *
 * <p>Bounds the untrusted input to the slot's fixed sizes: text is cut to its field; filesystems
 * beyond {@link RecordFields#MAX_FILESYSTEMS} and CPUs beyond {@link RecordFields#MAX_GUEST_CPUS}
 * are counted in {@code fs_omitted} and {@code cpu_omitted}, not stored; entries a previous sample
 * filled and this one does not are zeroed. Guest text is stored with {@link VmRecord#putPrintable}:
 * control characters become U+FFFD (docs/shm-abi.md, "Text"). Memory fields are copied by {@link
 * WireFields}, from their declarations.
 */
public final class GuestHalf {

    private GuestHalf() {}

    /**
     * Resolves the wire paths of the declared guest fields now, so that a declaration that does not
     * match the .proto stops the collector as it starts (IllegalStateException naming the field and
     * path) instead of failing its first guest sample.
     */
    public static void resolveWirePaths() {
        WireFields.DECLARED.fields();
    }

    public static void copy(Sample in, Hello hello, VmRecord out) {
        out.putLong(GUEST_SEQ, in.getSeq());
        out.putLong(GUEST_WALL_UNIX_NS, in.getWallTimeUnixNs());
        out.putLong(GUEST_MONO_NS, in.getMonotonicNs());
        out.putInt(GUEST_INTERVAL_MS, in.getIntervalMs());
        out.putString(BOOT_ID, hello.getBootId());
        out.putString(AGENT_VERSION, hello.getAgentVersion());
        out.putString(KERNEL_RELEASE, hello.getKernelRelease());
        out.setPresent(RecordFlags.PRESENT_GUEST_CPU, in.hasCpu());
        copyCpu(in.getCpu(), out);
        copyPerCpu(in.getCpu(), out);
        out.setPresent(RecordFlags.PRESENT_GUEST_MEMORY, in.hasMemory());
        copyMemory(in, out);
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

    /**
     * The first {@link RecordFields#MAX_GUEST_CPUS} "cpuN" lines, in the guest's order. Entries
     * past {@code cpu_count} are always zero, so only those the previous sample filled and this one
     * does not are cleared: most guests have a few CPUs, and zeroing all 32 entries of 88 bytes on
     * every sample was most of this copy's time (GuestHalfBenchmark).
     */
    private static void copyPerCpu(Cpu cpu, VmRecord out) {
        int reported = cpu.getPerCpuCount();
        int n = Math.min(reported, MAX_GUEST_CPUS);
        int before = (int) Math.min(out.getUnsignedInt(CPU_COUNT), MAX_GUEST_CPUS);
        out.putInt(CPU_COUNT, n);
        out.putInt(CPU_OMITTED, reported - n);
        for (int i = 0; i < n; i++) {
            PerCpu p = cpu.getPerCpu(i);
            out.putInt(CPU_NUMBER, i, p.getCpu());
            copyTimes(p.getTimes(), i, out);
        }
        for (int i = n; i < before; i++) {
            out.putInt(CPU_NUMBER, i, 0);
            copyTimes(CpuTimes.getDefaultInstance(), i, out);
        }
    }

    private static void copyTimes(CpuTimes t, int i, VmRecord out) {
        out.putLong(CPU_USER_NS_EACH, i, t.getUserNs());
        out.putLong(CPU_NICE_NS_EACH, i, t.getNiceNs());
        out.putLong(CPU_SYSTEM_NS_EACH, i, t.getSystemNs());
        out.putLong(CPU_IDLE_NS_EACH, i, t.getIdleNs());
        out.putLong(CPU_IOWAIT_NS_EACH, i, t.getIowaitNs());
        out.putLong(CPU_IRQ_NS_EACH, i, t.getIrqNs());
        out.putLong(CPU_SOFTIRQ_NS_EACH, i, t.getSoftirqNs());
        out.putLong(CPU_STEAL_NS_EACH, i, t.getStealNs());
        out.putLong(CPU_GUEST_NS_EACH, i, t.getGuestNs());
        out.putLong(CPU_GUEST_NICE_NS_EACH, i, t.getGuestNiceNs());
    }

    private static void copyMemory(Sample in, VmRecord out) {
        Memory m = in.getMemory();
        WireFields.DECLARED.copy(in, out);
        out.putInt(MEM_AVAILABLE_DERIVED, m.getAvailableDerived() ? 1 : 0);
        out.putDouble(
                MEM_USED_PCT,
                usedPct(
                        m.getTotalBytes() - Math.min(m.getAvailableBytes(), m.getTotalBytes()),
                        m.getTotalBytes()));
    }

    private static void copyFilesystems(Sample in, VmRecord out) {
        int n = Math.min(in.getFilesystemsCount(), MAX_FILESYSTEMS);
        // As for cpu[]: entries past fs_count are zero, so only the previous sample's extra ones
        // are cleared.
        int end = Math.max(n, (int) Math.min(out.getUnsignedInt(FS_COUNT), MAX_FILESYSTEMS));
        out.putInt(FS_COUNT, n);
        out.putInt(FS_OMITTED, in.getFilesystemsCount() - n);
        double max = 0;
        for (int i = 0; i < end; i++) {
            Filesystem f = i < n ? in.getFilesystems(i) : Filesystem.getDefaultInstance();
            out.putString(FS_MOUNT_POINT, i, f.getMountPoint());
            out.putString(FS_TYPE, i, f.getFsType());
            out.putString(FS_DEVICE, i, f.getDevice());
            out.putLong(FS_SIZE_BYTES, i, f.getSizeBytes());
            out.putLong(FS_FREE_BYTES, i, f.getFreeBytes());
            out.putLong(FS_AVAILABLE_BYTES, i, f.getAvailableBytes());
            out.putLong(FS_INODES_TOTAL, i, f.getInodesTotal());
            out.putLong(FS_INODES_FREE, i, f.getInodesFree());
            out.putInt(
                    FS_FLAGS,
                    i,
                    (f.getError().isEmpty() ? 0 : RecordFlags.FS_ERROR)
                            | (f.getReadOnly() ? RecordFlags.FS_READ_ONLY : 0));
            double pct = fsUsedPct(f);
            out.putDouble(FS_USED_PCT, i, pct);
            max = Math.max(max, pct);
        }
        out.putDouble(FS_USED_MAX_PCT, max);
    }

    /** As df computes Use%: used / (used + available), where used = size - free. */
    static double fsUsedPct(Filesystem f) {
        if (!f.getError().isEmpty()
                || Long.compareUnsigned(f.getFreeBytes(), f.getSizeBytes()) > 0) {
            return 0;
        }
        long used = f.getSizeBytes() - f.getFreeBytes();
        return usedPct(used, used + Math.min(f.getAvailableBytes(), f.getFreeBytes()));
    }

    private static double usedPct(long used, long total) {
        return total <= 0 ? 0 : 100.0 * used / total;
    }
}
