package io.vmpulse.bench.load;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Sample;
import java.time.Instant;

/**
 * One simulated guest's samples: a real sample of this machine with the guest's CPU,
 * context-switch, fork and memory counters moved forward at a busy fraction of its own, so the
 * collector derives real rates. Stateless beyond that fraction: the caller counts the ticks.
 */
final class GuestCounters {

    private final Sample real;
    private final double busy;

    GuestCounters(Sample real, double busy) {
        this.real = real;
        this.busy = busy;
    }

    /**
     * The real sample with this guest's counters moved forward by {@code ticks} intervals; its
     * {@code monotonic_ns} is this host's CLOCK_MONOTONIC now, its wall time now.
     */
    Sample sample(long seq, long ticks, long intervalNanos, int droppedBefore) {
        Instant now = Instant.now();
        Sample.Builder b =
                real.toBuilder()
                        .setSeq(seq)
                        .setWallTimeUnixNs(now.getEpochSecond() * 1_000_000_000L + now.getNano())
                        .setMonotonicNs(System.nanoTime())
                        .setIntervalMs((int) (intervalNanos / 1_000_000))
                        .setDroppedBefore(droppedBefore);
        long perCpu = ticks * intervalNanos;
        int cpus = Math.max(1, b.getCpu().getPerCpuCount());
        advance(b.getCpuBuilder().getTotalBuilder(), perCpu * cpus);
        for (int i = 0; i < b.getCpu().getPerCpuCount(); i++) {
            advance(b.getCpuBuilder().getPerCpuBuilder(i).getTimesBuilder(), perCpu);
        }
        b.getCpuBuilder()
                .setContextSwitches(real.getCpu().getContextSwitches() + ticks * 5_000)
                .setForks(real.getCpu().getForks() + ticks * 3);
        long used = (long) (busy * real.getMemory().getTotalBytes() / 2);
        b.getMemoryBuilder()
                .setFreeBytes(
                        Math.max(0, real.getMemory().getTotalBytes() - used - (ticks % 64) * 4096))
                .setAvailableBytes(Math.max(0, real.getMemory().getTotalBytes() - used));
        return b.build();
    }

    private void advance(CpuTimes.Builder t, long elapsed) {
        long busyNs = (long) (elapsed * busy);
        t.setUserNs(t.getUserNs() + busyNs * 7 / 10)
                .setSystemNs(t.getSystemNs() + busyNs * 25 / 100)
                .setStealNs(t.getStealNs() + busyNs * 5 / 100)
                .setIdleNs(t.getIdleNs() + elapsed - busyNs);
    }
}
