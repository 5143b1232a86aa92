package io.vmpulse.collector.merge;

import io.vmpulse.proto.v1.CpuTimes;

/**
 * Guest CPU percentages over the interval between two samples of one boot. With {@code total = user
 * + nice + system + idle + iowait + irq + softirq + steal} (guest time is already inside user and
 * nice, so it is not added again): busy = user + nice + system + irq + softirq; idle, iowait and
 * steal are themselves; each is a percentage of total, so the four add up to 100. A mode that went
 * backwards (idle and iowait may, see DESIGN.md) counts as zero.
 */
public final class GuestRates {

    /** Percentages of one interval; all NaN when no time passed. */
    public record CpuPct(double busy, double idle, double iowait, double steal) {
        static final CpuPct NONE = new CpuPct(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    private GuestRates() {}

    public static CpuPct cpu(CpuCounters before, CpuTimes after) {
        double busy =
                (double) delta(before.userNs, after.getUserNs())
                        + delta(before.niceNs, after.getNiceNs())
                        + delta(before.systemNs, after.getSystemNs())
                        + delta(before.irqNs, after.getIrqNs())
                        + delta(before.softirqNs, after.getSoftirqNs());
        double idle = delta(before.idleNs, after.getIdleNs());
        double iowait = delta(before.iowaitNs, after.getIowaitNs());
        double steal = delta(before.stealNs, after.getStealNs());
        double total = busy + idle + iowait + steal;
        if (total <= 0) {
            return CpuPct.NONE;
        }
        return new CpuPct(
                100 * busy / total, 100 * idle / total, 100 * iowait / total, 100 * steal / total);
    }

    /** Forward difference of a cumulative counter; a step backwards counts as no progress. */
    public static long delta(long before, long after) {
        return Long.compareUnsigned(after, before) >= 0 ? after - before : 0;
    }
}
