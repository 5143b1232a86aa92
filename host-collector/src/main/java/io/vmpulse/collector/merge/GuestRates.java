package io.vmpulse.collector.merge;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;

/**
 * Percentages derived from the guest half. Definitions (also in docs/shm-abi.md):
 *
 * <ul>
 *   <li>CPU, over the interval between two samples of one boot: with
 *       {@code total = user + nice + system + idle + iowait + irq + softirq + steal} (guest time
 *       is already inside user and nice), busy = user + nice + system + irq + softirq, idle = idle
 *       + iowait, steal = steal, each as a percentage of total, so the three add up to 100. A mode
 *       that went backwards (idle and iowait may) counts as zero.</li>
 *   <li>Memory used = (total - available) / total, clamped to [0, 100]: available may exceed total
 *       inside containers.</li>
 *   <li>Filesystem used = used / (used + available), where used = size - free: the figure df
 *       prints, which leaves the root reserve out of the denominator.</li>
 * </ul>
 */
public final class GuestRates {

    /** Busy, steal and idle percentages of one interval; all NaN when there is no interval. */
    public record CpuPct(double busy, double steal, double idle) {
        static final CpuPct NONE = new CpuPct(Double.NaN, Double.NaN, Double.NaN);
    }

    private GuestRates() {
    }

    public static CpuPct cpu(CpuTimes before, CpuTimes after) {
        long user = delta(before.getUserNs(), after.getUserNs());
        long nice = delta(before.getNiceNs(), after.getNiceNs());
        long system = delta(before.getSystemNs(), after.getSystemNs());
        long idle = delta(before.getIdleNs(), after.getIdleNs());
        long iowait = delta(before.getIowaitNs(), after.getIowaitNs());
        long irq = delta(before.getIrqNs(), after.getIrqNs());
        long softirq = delta(before.getSoftirqNs(), after.getSoftirqNs());
        long steal = delta(before.getStealNs(), after.getStealNs());
        double busy = (double) user + nice + system + irq + softirq;
        double idleAll = (double) idle + iowait;
        double total = busy + idleAll + steal;
        if (total <= 0) {
            return CpuPct.NONE;
        }
        return new CpuPct(100 * busy / total, 100 * steal / total, 100 * idleAll / total);
    }

    public static double memoryUsedPct(Memory m) {
        if (m.getTotalBytes() == 0) {
            return Double.NaN;
        }
        double used = (double) m.getTotalBytes() - (double) m.getAvailableBytes();
        return Math.max(0, Math.min(100, 100 * used / m.getTotalBytes()));
    }

    public static double filesystemUsedPct(Filesystem f) {
        double used = (double) f.getSizeBytes() - (double) f.getFreeBytes();
        double denominator = used + f.getAvailableBytes();
        if (!f.getError().isEmpty() || denominator <= 0) {
            return Double.NaN;
        }
        return Math.max(0, Math.min(100, 100 * used / denominator));
    }

    /** Forward difference of a cumulative counter; a step backwards counts as no progress. */
    public static long delta(long before, long after) {
        return Long.compareUnsigned(after, before) >= 0 ? after - before : 0;
    }
}
