package io.vmpulse.collector.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;
import org.junit.jupiter.api.Test;

class GuestRatesTest {

    @Test
    void cpu_percentages_split_the_interval_and_add_up_to_100() {
        CpuTimes a = CpuTimes.newBuilder().setUserNs(100).setSystemNs(50).setIdleNs(1000).setStealNs(10).build();
        CpuTimes b = CpuTimes.newBuilder().setUserNs(400).setSystemNs(150).setIdleNs(1500).setStealNs(110)
                .setGuestNs(200).build();
        GuestRates.CpuPct p = GuestRates.cpu(a, b);
        // busy 300 + 100 = 400, idle 500, steal 100: total 1000; guest time is inside user, not added.
        assertEquals(40.0, p.busy(), 1e-9);
        assertEquals(50.0, p.idle(), 1e-9);
        assertEquals(10.0, p.steal(), 1e-9);
    }

    @Test
    void idle_going_backwards_counts_as_zero_not_negative() {
        CpuTimes a = CpuTimes.newBuilder().setUserNs(100).setIdleNs(1000).build();
        CpuTimes b = CpuTimes.newBuilder().setUserNs(200).setIdleNs(990).build();
        GuestRates.CpuPct p = GuestRates.cpu(a, b);
        assertEquals(100.0, p.busy(), 1e-9);
        assertEquals(0.0, p.idle(), 1e-9);
    }

    @Test
    void no_elapsed_time_gives_nan_not_a_division_by_zero() {
        CpuTimes a = CpuTimes.newBuilder().setUserNs(100).build();
        assertTrue(Double.isNaN(GuestRates.cpu(a, a).busy()));
    }

    @Test
    void memory_used_is_clamped_when_available_exceeds_total() {
        assertEquals(0.0, GuestRates.memoryUsedPct(
                Memory.newBuilder().setTotalBytes(1000).setAvailableBytes(1200).build()), 1e-9);
        assertEquals(25.0, GuestRates.memoryUsedPct(
                Memory.newBuilder().setTotalBytes(1000).setAvailableBytes(750).build()), 1e-9);
    }

    @Test
    void filesystem_used_matches_df_which_leaves_the_root_reserve_out() {
        // size 100, free 30 (of which 10 reserved for root), avail 20: used 70, df says 70/(70+20).
        Filesystem f = Filesystem.newBuilder().setSizeBytes(100).setFreeBytes(30).setAvailableBytes(20).build();
        assertEquals(100.0 * 70 / 90, GuestRates.filesystemUsedPct(f), 1e-9);
    }

    @Test
    void failed_filesystem_has_no_used_percentage() {
        Filesystem f = Filesystem.newBuilder().setError("statfs timed out").build();
        assertTrue(Double.isNaN(GuestRates.filesystemUsedPct(f)));
    }
}
