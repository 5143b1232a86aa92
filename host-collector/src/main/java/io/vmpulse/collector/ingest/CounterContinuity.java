package io.vmpulse.collector.ingest;

import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.merge.CpuCounters;
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
     * What is kept of the previous sample: only the counters that are compared, copied into fields
     * the VM overwrites, so that no object of the sample (its filesystems, per-CPU times and
     * strings, or even its CPU times) lives a whole interval, long enough to be promoted by the
     * young collections.
     */
    static final class Baseline {
        private long bootTimeUnixS;
        private final CpuCounters total = new CpuCounters();
        private long contextSwitches;
        private long forks;

        void keep(Sample s) {
            Cpu c = s.getCpu();
            bootTimeUnixS = c.getBootTimeUnixS();
            total.set(c.getTotal());
            contextSwitches = c.getContextSwitches();
            forks = c.getForks();
        }
    }

    static Continuity judge(String previousBootId, Baseline previous, String bootId, Sample next) {
        if (!previous.total.held) {
            return Continuity.CONTINUES;
        }
        if (!previousBootId.equals(bootId)
                || previous.bootTimeUnixS != next.getCpu().getBootTimeUnixS()) {
            return Continuity.GUEST_RESTARTED;
        }
        CpuCounters a = previous.total;
        CpuTimes b = next.getCpu().getTotal();
        boolean backwards =
                before(b.getUserNs(), a.userNs)
                        || before(b.getNiceNs(), a.niceNs)
                        || before(b.getSystemNs(), a.systemNs)
                        || before(b.getIrqNs(), a.irqNs)
                        || before(b.getSoftirqNs(), a.softirqNs)
                        || before(b.getStealNs(), a.stealNs)
                        || before(b.getGuestNs(), a.guestNs)
                        || before(b.getGuestNiceNs(), a.guestNiceNs)
                        || before(next.getCpu().getContextSwitches(), previous.contextSwitches)
                        || before(next.getCpu().getForks(), previous.forks);
        return backwards ? Continuity.COUNTERS_RESET : Continuity.CONTINUES;
    }

    private static boolean before(long now, long then) {
        return Long.compareUnsigned(now, then) < 0;
    }
}
