package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * Builds one VM's record from what arrives: guest samples, host readings, ingest counters. Keeps
 * what the previous reading of each half leaves for the rates, and leaves the last guest half in
 * place while the guest is silent, so host metrics keep flowing next to a guest half that is marked
 * stale.
 *
 * <p>The record itself is not kept here: each merge changes the record the caller hands in, which
 * is the VM's last published record (the registry slot holds it between merges). So a VM costs the
 * collector this object's few fields, not a record of its own.
 *
 * <p>Rates are over the interval between two readings of the same half, measured on the host's
 * monotonic clock for the host half, and between two samples of the same guest boot for the guest
 * half (the guest's clock is not trusted for ordering, but its counters carry their own time:
 * percentages of CPU time need no clock at all).
 *
 * <p>One thread per VM at a time; not thread-safe.
 */
public final class RecordMerger {

    private final HostBaseline previousHost = new HostBaseline();

    /**
     * Only the CPU times of the previous guest sample, copied: holding the sample, or even its
     * CpuTimes, would keep it alive a whole interval.
     */
    private final CpuCounters previousGuestCpu = new CpuCounters();

    private long hostWaitAtPreviousGuest = HostReading.ABSENT;
    private long droppedSamples;
    private long lastGuestMonoNanos;
    private boolean haveGuest;
    private long vcpuRunDeltaNs;

    /**
     * Guest samples the collector accepted but superseded before they were merged: lost like
     * samples the agent dropped, so counted with them from the next record on.
     */
    public void collectorDropped(long samples) {
        droppedSamples += samples;
    }

    /** What the VM's descriptor says about it; kept in every record until the next call. */
    public void describe(VmRecord out, VmInfo info) {
        info.writeInto(out);
    }

    /**
     * A guest sample arrived; {@code host} was read at its arrival (it may be null when host reads
     * are not wanted). Nothing of {@code host} is kept: the caller may refill it at once.
     */
    public void guestArrived(
            VmRecord out,
            Sample s,
            Hello hello,
            Continuity verdict,
            long receivedMonoNanos,
            long receivedUnixNanos,
            HostReading host) {
        GuestHalf.copy(s, hello, out);
        droppedSamples += s.getDroppedBefore();
        out.putLong(DROPPED_SAMPLES, droppedSamples);
        out.putLong(LAST_GUEST_MONO_NS, receivedMonoNanos);
        out.putLong(LAST_GUEST_UNIX_NS, receivedUnixNanos);
        lastGuestMonoNanos = receivedMonoNanos;
        haveGuest = true;

        CpuTimes cpu = s.getCpu().getTotal();
        boolean continues = verdict == Continuity.CONTINUES && previousGuestCpu.held;
        GuestRates.CpuPct pct = continues ? GuestRates.cpu(previousGuestCpu, cpu) : null;
        boolean rates = pct != null && !Double.isNaN(pct.busy());
        out.setPresent(RecordFlags.PRESENT_GUEST_RATES, rates);
        out.putDouble(GUEST_CPU_BUSY_PCT, rates ? pct.busy() : 0);
        out.putDouble(GUEST_CPU_IDLE_PCT, rates ? pct.idle() : 0);
        out.putDouble(GUEST_CPU_IOWAIT_PCT, rates ? pct.iowait() : 0);
        out.putDouble(GUEST_CPU_STEAL_PCT, rates ? pct.steal() : 0);

        long guestSteal =
                continues ? GuestRates.delta(previousGuestCpu.stealNs, cpu.getStealNs()) : 0;
        previousGuestCpu.set(cpu);
        if (host == null) {
            return;
        }
        long wait = host.isPresent(Source.VCPU) ? host.vcpuWaitNs : HostReading.ABSENT;
        boolean cross =
                continues
                        && wait != HostReading.ABSENT
                        && hostWaitAtPreviousGuest != HostReading.ABSENT;
        long hostWait = cross ? GuestRates.delta(hostWaitAtPreviousGuest, wait) : 0;
        out.putLong(STEAL_GUEST_DELTA_NS, cross ? guestSteal : 0);
        out.putLong(STEAL_HOST_DELTA_NS, hostWait);
        out.putDouble(STEAL_RATIO, cross && hostWait > 0 ? (double) guestSteal / hostWait : 0);
        hostWaitAtPreviousGuest = wait;
        hostRead(out, host, receivedUnixNanos);
    }

    /**
     * A host reading taken on the collector's own timer or at a guest arrival. Nothing of {@code
     * host} is kept: what the next rates need is copied out of it.
     */
    public void hostRead(VmRecord out, HostReading host, long unixNanos) {
        HostHalf.copy(host, out);
        out.putLong(LAST_HOST_MONO_NS, host.readStartNanos);
        out.putLong(LAST_HOST_UNIX_NS, unixNanos);
        HostBaseline before = previousHost;
        long dt = host.readStartNanos - before.readStartNanos;
        boolean rates = before.held && dt > 0;
        out.putLong(RATE_INTERVAL_NS, rates ? dt : 0);
        boolean vcpu = rates && before.vcpu && host.isPresent(Source.VCPU);
        int threads = vcpu ? vcpuRunDelta(before, host) : 0;
        double vcpuPct = threads > 0 ? 100.0 * vcpuRunDeltaNs / dt : 0;
        out.putDouble(HOST_VCPU_PCT, vcpuPct);
        out.putDouble(HOST_VCPU_PCT_NORM, threads > 0 ? vcpuPct / threads : 0);
        boolean disk = rates && before.block && host.isPresent(Source.BLOCK);
        perSecond(out, DISK_READ_BYTES_PER_S, disk, before.diskReadBytes, host.diskReadBytes, dt);
        perSecond(
                out, DISK_WRITE_BYTES_PER_S, disk, before.diskWriteBytes, host.diskWriteBytes, dt);
        // A rate of an ABSENT counter would read as 0 ops/s: absent in either reading, the rate is
        // absent.
        boolean ops = disk && before.hasDiskOps() && HostHalf.hasDiskOps(host);
        perSecond(out, DISK_READ_OPS_PER_S, ops, before.diskReadOps, host.diskReadOps, dt);
        perSecond(out, DISK_WRITE_OPS_PER_S, ops, before.diskWriteOps, host.diskWriteOps, dt);
        boolean net = rates && before.net && host.isPresent(Source.NET);
        perSecond(out, NET_RX_BYTES_PER_S, net, before.netRxBytes, host.netRxBytes, dt);
        perSecond(out, NET_TX_BYTES_PER_S, net, before.netTxBytes, host.netTxBytes, dt);
        perSecond(out, NET_RX_PACKETS_PER_S, net, before.netRxPackets, host.netRxPackets, dt);
        perSecond(out, NET_TX_PACKETS_PER_S, net, before.netTxPackets, host.netTxPackets, dt);
        boolean any = vcpu || disk || net;
        out.setPresent(RecordFlags.PRESENT_HOST_RATES, any);
        before.keep(host);
    }

    /** Stamps counters and freshness flags; call right before publishing. */
    public VmRecord seal(
            VmRecord out,
            IngestCounts stats,
            long nowMonoNanos,
            long staleAfterNanos,
            boolean last) {
        out.putLong(REJECTED_MESSAGES, stats.rejected());
        out.putLong(REJECTED_OVERSIZED, stats.rejectedOversized());
        out.putLong(REJECTED_MALFORMED, stats.rejectedMalformed());
        out.putLong(REJECTED_HELLO, stats.rejectedHello());
        out.putLong(REJECTED_SAMPLE, stats.rejectedSample());
        out.putLong(REJECTED_CONNECTION, stats.rejectedConnection());
        out.putLong(THROTTLED_MESSAGES, stats.throttled());
        out.putLong(DUPLICATE_SAMPLES, stats.duplicates());
        out.putLong(GUEST_RESTARTS, stats.guestRestarts());
        out.putLong(COUNTER_RESETS, stats.counterResets());
        out.setFlags(RecordFlags.FLAG_GUEST_CONNECTED, stats.connected() && !last);
        out.setFlags(
                RecordFlags.FLAG_GUEST_STALE,
                !haveGuest || nowMonoNanos - lastGuestMonoNanos > staleAfterNanos);
        out.setFlags(RecordFlags.FLAG_FINAL, last);
        return out;
    }

    /**
     * Sums into {@link #vcpuRunDeltaNs} the run time each vCPU thread gained between two readings,
     * over the threads (same vCPU number, same tid) in both, and returns how many there were. The
     * change in the summed run time would be wrong across hotplug: a thread that vanished takes its
     * whole run time out of the sum, and one that appeared brings its whole lifetime in.
     */
    private int vcpuRunDelta(HostBaseline before, HostReading after) {
        vcpuRunDeltaNs = 0;
        int threads = 0;
        for (int i = 0; i < Math.min(before.vcpuSlots, after.vcpuSlots); i++) {
            int tid = after.vcpuTidByIndex[i];
            if (tid != 0
                    && tid == before.vcpuTidByIndex[i]
                    && before.vcpuRunNsByIndex[i] != HostReading.ABSENT
                    && after.vcpuRunNsByIndex[i] != HostReading.ABSENT) {
                vcpuRunDeltaNs +=
                        GuestRates.delta(before.vcpuRunNsByIndex[i], after.vcpuRunNsByIndex[i]);
                threads++;
            }
        }
        return threads;
    }

    private static void perSecond(
            VmRecord out, RecordField f, boolean ok, long before, long after, long dt) {
        out.putDouble(f, ok ? GuestRates.delta(before, after) * 1e9 / dt : 0);
    }
}
