package io.vmpulse.collector.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.CpuTimes;
import org.junit.jupiter.api.Test;

class GuestRatesTest {

    @Test
    void cpu_percentages_split_the_interval_and_add_up_to_100() {
        CpuTimes a =
                CpuTimes.newBuilder()
                        .setUserNs(100)
                        .setSystemNs(50)
                        .setIdleNs(1000)
                        .setIowaitNs(5)
                        .setStealNs(10)
                        .build();
        CpuTimes b =
                CpuTimes.newBuilder()
                        .setUserNs(400)
                        .setSystemNs(150)
                        .setIdleNs(1400)
                        .setIowaitNs(105)
                        .setStealNs(110)
                        .setGuestNs(200)
                        .build();
        GuestRates.CpuPct p = GuestRates.cpu(kept(a), b);
        // busy 300 + 100 = 400, idle 400, iowait 100, steal 100: total 1000. Guest time is inside
        // user already; adding it again would make busy 600.
        assertEquals(40.0, p.busy(), 1e-9);
        assertEquals(40.0, p.idle(), 1e-9);
        assertEquals(10.0, p.iowait(), 1e-9);
        assertEquals(10.0, p.steal(), 1e-9);
    }

    @Test
    void idle_going_backwards_counts_as_zero_not_negative() {
        CpuTimes a = CpuTimes.newBuilder().setUserNs(100).setIdleNs(1000).build();
        CpuTimes b = CpuTimes.newBuilder().setUserNs(200).setIdleNs(990).build();
        GuestRates.CpuPct p = GuestRates.cpu(kept(a), b);
        assertEquals(100.0, p.busy(), 1e-9);
        assertEquals(0.0, p.idle(), 1e-9);
    }

    @Test
    void no_elapsed_time_gives_nan_not_a_division_by_zero() {
        CpuTimes a = CpuTimes.newBuilder().setUserNs(100).build();
        assertTrue(Double.isNaN(GuestRates.cpu(kept(a), a).busy()));
    }

    @Test
    void kept_counters_are_copies_every_cpu_mode_included() {
        CpuTimes t =
                CpuTimes.newBuilder()
                        .setUserNs(1)
                        .setNiceNs(2)
                        .setSystemNs(3)
                        .setIdleNs(4)
                        .setIowaitNs(5)
                        .setIrqNs(6)
                        .setSoftirqNs(7)
                        .setStealNs(8)
                        .setGuestNs(9)
                        .setGuestNiceNs(10)
                        .build();
        CpuCounters c = kept(t);
        assertTrue(c.held);
        long[] modes = {
            c.userNs,
            c.niceNs,
            c.systemNs,
            c.idleNs,
            c.iowaitNs,
            c.irqNs,
            c.softirqNs,
            c.stealNs,
            c.guestNs,
            c.guestNiceNs
        };
        for (int i = 0; i < modes.length; i++) {
            assertEquals(i + 1, modes[i], "mode " + i);
        }
    }

    private static CpuCounters kept(CpuTimes t) {
        CpuCounters c = new CpuCounters();
        c.set(t);
        return c;
    }

    @Test
    void unsigned_counters_past_2_pow_63_still_move_forward() {
        assertEquals(10, GuestRates.delta(Long.MAX_VALUE, Long.MAX_VALUE + 10));
        assertEquals(0, GuestRates.delta(Long.MAX_VALUE + 10, Long.MAX_VALUE));
    }
}
