package io.vmpulse.collector.ingest;

import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Sample;

/**
 * Decides how a guest sample relates to the previous one accepted from the same VM, so that a
 * counter that goes backwards is recorded as a restart or reset and never turns into a negative
 * rate downstream.
 *
 * <p>{@code idle} and {@code iowait} are left out on purpose: the kernel lets them go backwards
 * (NO_HZ accounting, see DESIGN.md), so a drop there is noise, not a reset. The merge step clamps
 * their deltas at zero instead.
 */
public final class CounterContinuity {

    private CounterContinuity() {}

    /**
     * What is kept of the previous sample: only the counters that are compared, so that a VM does
     * not hold its whole last sample (its filesystems, per-CPU times and strings) for a whole
     * interval, long enough to be copied by every young collection.
     */
    record Baseline(long bootTimeUnixS, CpuTimes total, long contextSwitches, long forks) {
        static Baseline of(Sample s) {
            Cpu c = s.getCpu();
            return new Baseline(
                    c.getBootTimeUnixS(), c.getTotal(), c.getContextSwitches(), c.getForks());
        }
    }

    static Continuity judge(String previousBootId, Baseline previous, String bootId, Sample next) {
        if (previous == null) {
            return Continuity.CONTINUES;
        }
        if (!previousBootId.equals(bootId)
                || previous.bootTimeUnixS() != next.getCpu().getBootTimeUnixS()) {
            return Continuity.GUEST_RESTARTED;
        }
        CpuTimes a = previous.total();
        CpuTimes b = next.getCpu().getTotal();
        boolean backwards =
                before(b.getUserNs(), a.getUserNs())
                        || before(b.getNiceNs(), a.getNiceNs())
                        || before(b.getSystemNs(), a.getSystemNs())
                        || before(b.getIrqNs(), a.getIrqNs())
                        || before(b.getSoftirqNs(), a.getSoftirqNs())
                        || before(b.getStealNs(), a.getStealNs())
                        || before(b.getGuestNs(), a.getGuestNs())
                        || before(b.getGuestNiceNs(), a.getGuestNiceNs())
                        || before(next.getCpu().getContextSwitches(), previous.contextSwitches())
                        || before(next.getCpu().getForks(), previous.forks());
        return backwards ? Continuity.COUNTERS_RESET : Continuity.CONTINUES;
    }

    private static boolean before(long now, long then) {
        return Long.compareUnsigned(now, then) < 0;
    }
}
