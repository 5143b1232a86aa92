package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RecordMergerTest {

    private static final Hello HELLO =
            Hello.newBuilder().setBootId("boot").setAgentInstance("i").build();

    private static final long SECOND = 1_000_000_000L;
    private static final IngestCounts CONNECTED =
            new IngestCounts(5, 1, 0, 0, 1, 0, 7, 9, 1, 3, true);

    private final RecordMerger merger = new RecordMerger();

    /** The VM's record: a merge changes it in place, as it does the copy out of the VM's slot. */
    private final VmRecord out = new VmRecord();

    @Test
    void host_rates_are_deltas_over_the_host_clock_interval() {
        HostReading r = reading(0, 2, 1_000_000, 10_000, 4_096, 1);
        merger.hostRead(out, r, 0);
        HostReading next = r;
        fill(next, 2 * SECOND, 2, 1_000_000 + SECOND, 10_000 + 2_000_000, 4_096 + 8_192, 1 + 4);
        merger.hostRead(out, next, 0);
        VmRecord u = out;
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_RATES));
        assertEquals(2 * SECOND, u.getLong(RATE_INTERVAL_NS));
        assertEquals(
                50.0,
                u.getDouble(HOST_VCPU_PCT),
                1e-9,
                "1 s of vCPU time in 2 s: half of one vCPU");
        assertEquals(25.0, u.getDouble(HOST_VCPU_PCT_NORM), 1e-9, "over 2 vCPUs");
        assertEquals(1_000_000.0, u.getDouble(NET_TX_BYTES_PER_S), 1e-6);
        assertEquals(4_096.0, u.getDouble(DISK_READ_BYTES_PER_S), 1e-6);
        assertEquals(2.0, u.getDouble(DISK_READ_OPS_PER_S), 1e-9);
        assertEquals(10_000 + 2_000_000, u.getLong(NET_TX_BYTES));
    }

    @Test
    void host_vcpu_pct_counts_only_threads_present_in_both_readings_across_hotplug() {
        HostReading r =
                vcpus(
                        0,
                        new int[] {100, 101, 0},
                        new long[] {3 * SECOND, 5 * SECOND, HostReading.ABSENT});
        merger.hostRead(out, r, 0);
        HostReading next = r;
        // vCPU 1 unplugged, vCPU 2 plugged with 40 s already run, vCPU 0 gained 1.5 s in 2 s.
        copyVcpus(
                next,
                vcpus(
                        2 * SECOND,
                        new int[] {100, 0, 102},
                        new long[] {4_500_000_000L, HostReading.ABSENT, 40 * SECOND}));
        merger.hostRead(out, next, 0);
        assertEquals(75.0, out.getDouble(HOST_VCPU_PCT), "1.5 s over 2 s, vCPU 0 alone");
        assertEquals(75.0, out.getDouble(HOST_VCPU_PCT_NORM), "over the one thread it covers");

        merger.hostRead(
                out,
                vcpus(
                        3 * SECOND,
                        new int[] {100, 0, 102},
                        new long[] {5 * SECOND, HostReading.ABSENT, 40_250_000_000L}),
                0);
        assertEquals(75.0, out.getDouble(HOST_VCPU_PCT), "(0.5 + 0.25) s over 1 s");
        assertEquals(37.5, out.getDouble(HOST_VCPU_PCT_NORM));

        // A vCPU number whose thread was replaced (a new tid) is a different thread.
        merger.hostRead(
                out,
                vcpus(
                        4 * SECOND,
                        new int[] {100, 0, 103},
                        new long[] {5_100_000_000L, HostReading.ABSENT, 1}),
                0);
        assertEquals(10.0, out.getDouble(HOST_VCPU_PCT), 1e-9, "0.1 s over 1 s, vCPU 0 alone");
    }

    private static HostReading vcpus(long t, int[] tids, long[] runNs) {
        HostReading r = new HostReading();
        r.readStartNanos = t;
        r.resetVcpuSlots(tids.length);
        long sum = 0;
        for (int i = 0; i < tids.length; i++) {
            r.vcpuTidByIndex[i] = tids[i];
            r.vcpuRunNsByIndex[i] = runNs[i];
            if (tids[i] != 0) {
                r.vcpuCount++;
                sum += runNs[i];
            }
        }
        r.vcpuRunNs = sum;
        r.vcpuWaitNs = 0;
        r.markPresent(Source.VCPU);
        return r;
    }

    private static void copyVcpus(HostReading into, HostReading from) {
        into.clear();
        into.readStartNanos = from.readStartNanos;
        into.resetVcpuSlots(from.vcpuSlots);
        System.arraycopy(from.vcpuTidByIndex, 0, into.vcpuTidByIndex, 0, from.vcpuSlots);
        System.arraycopy(from.vcpuRunNsByIndex, 0, into.vcpuRunNsByIndex, 0, from.vcpuSlots);
        into.vcpuCount = from.vcpuCount;
        into.vcpuRunNs = from.vcpuRunNs;
        into.vcpuWaitNs = 0;
        into.markPresent(Source.VCPU);
    }

    @Test
    void every_disk_and_net_rate_is_its_counters_delta_over_the_interval() {
        HostReading r = reading(0, 1, 0, 0, 0, 0);
        r.diskWriteBytes = 1_000;
        r.diskWriteOps = 10;
        r.netRxBytes = 2_000;
        r.netRxPackets = 3;
        r.netTxPackets = 5;
        merger.hostRead(out, r, 0);
        HostReading next = r;
        fill(next, 4 * SECOND, 1, 0, 0, 0, 0);
        next.diskWriteBytes = 1_000 + 8_000;
        next.diskWriteOps = 10 + 6;
        next.netRxBytes = 2_000 + 400_000;
        next.netRxPackets = 3 + 300;
        next.netTxPackets = 5 + 20;
        merger.hostRead(out, next, 0);
        VmRecord u = out;
        assertEquals(2_000.0, u.getDouble(DISK_WRITE_BYTES_PER_S));
        assertEquals(1.5, u.getDouble(DISK_WRITE_OPS_PER_S));
        assertEquals(100_000.0, u.getDouble(NET_RX_BYTES_PER_S));
        assertEquals(75.0, u.getDouble(NET_RX_PACKETS_PER_S));
        assertEquals(5.0, u.getDouble(NET_TX_PACKETS_PER_S));
        assertEquals(0.0, u.getDouble(NET_TX_BYTES_PER_S));
    }

    @Test
    void counters_a_source_does_not_count_are_absent_not_zero_and_so_are_their_rates() {
        // Block from /proc/PID/io (bytes, no operations), net from Cloud Hypervisor (no drops, no
        // errors).
        HostReading r = reading(0, 1, 0, 1_000, 4_096, HostReading.ABSENT);
        r.diskWriteOps = HostReading.ABSENT;
        merger.hostRead(out, r, 0);
        HostReading next = r;
        VmRecord u = out;
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_BLOCK));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS));
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_NET));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_NET_DROPS));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_NET_ERRORS));

        fill(next, SECOND, 1, 0, 3_000, 4_096 + 8_192, HostReading.ABSENT);
        next.diskWriteOps = HostReading.ABSENT;
        merger.hostRead(out, next, 0);
        u = out;
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_RATES));
        assertEquals(8_192.0, u.getDouble(DISK_READ_BYTES_PER_S), "bytes have a rate");
        assertEquals(2_000.0, u.getDouble(NET_TX_BYTES_PER_S));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS), "the ops rates are absent too");
        assertEquals(
                0.0,
                u.getDouble(DISK_READ_OPS_PER_S),
                "an absent rate is 0, never ABSENT's -1 turned into a rate");
        assertEquals(0.0, u.getDouble(DISK_WRITE_OPS_PER_S));
        assertEquals(0, u.getLong(DISK_READ_OPS));
        assertEquals(0, u.getLong(NET_RX_DROPS));
        assertEquals(0, u.getLong(NET_RX_ERRORS));
    }

    @Test
    void counted_zeros_are_present_tap_drops_and_errors_and_device_ops() {
        HostReading r = reading(0, 1, 0, 0, 0, 0);
        r.netRxDropped = r.netTxDropped = r.netRxErrors = 0;
        r.netTxErrors = 7;
        merger.hostRead(out, r, 0);
        HostReading next = r;
        VmRecord u = out;
        assertTrue(
                u.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS), "0 operations counted is a real 0");
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_NET_DROPS));
        assertTrue(u.isPresent(RecordFlags.PRESENT_HOST_NET_ERRORS));
        assertEquals(7, u.getLong(NET_TX_ERRORS));

        fill(next, 2 * SECOND, 1, 0, 0, 0, 10);
        merger.hostRead(out, next, 0);
        assertEquals(5.0, out.getDouble(DISK_READ_OPS_PER_S), "10 operations in 2 s");
        assertFalse(out.isPresent(RecordFlags.PRESENT_HOST_NET_ERRORS), "this reading has none");
    }

    @Test
    void first_host_reading_has_no_rates() {
        merger.hostRead(out, reading(0, 2, 1, 1, 1, 1), 0);
        assertFalse(out.isPresent(RecordFlags.PRESENT_HOST_RATES));
        assertEquals(0.0, out.getDouble(HOST_VCPU_PCT));
    }

    @Test
    void a_failed_source_is_flagged_zeroed_and_gives_no_rate() {
        HostReading spare = reading(0, 2, 100, 100, 100, 1);
        merger.hostRead(out, spare, 0);
        fill(spare, SECOND, 2, 200, 200, 200, 2);
        spare.markFailed(Source.NET, "tap0 is gone");
        merger.hostRead(out, spare, 0);
        VmRecord u = out;
        assertTrue(u.hasFlags(RecordFlags.FLAG_NET_FAILING));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_NET));
        assertEquals(0, u.getLong(NET_TX_BYTES));
        assertEquals(0.0, u.getDouble(NET_TX_BYTES_PER_S));
        assertTrue(u.getDouble(DISK_READ_BYTES_PER_S) > 0, "the other sources keep their rates");
    }

    @Test
    void skipped_metrics_lines_are_published_with_the_block_source_failing() {
        HostReading r = reading(0, 1, 0, 0, 0, 0);
        r.metricsLinesSkipped = 3;
        r.markFailed(Source.BLOCK, "3 metrics lines skipped in this reading");
        merger.hostRead(out, r, 0);
        VmRecord u = out;
        assertEquals(3, u.getLong(METRICS_LINES_SKIPPED));
        assertTrue(u.hasFlags(RecordFlags.FLAG_BLOCK_FAILING));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_BLOCK));
    }

    @Test
    void guest_cpu_rates_need_two_samples_of_one_boot() {
        HostReading r = new HostReading();
        merger.guestArrived(out, guest(1, 1_000, 9_000, 0), HELLO, Continuity.CONTINUES, 1, 1, r);
        assertFalse(out.isPresent(RecordFlags.PRESENT_GUEST_RATES));
        merger.guestArrived(
                out, guest(2, 4_000, 15_000, 1_000), HELLO, Continuity.CONTINUES, 2, 2, r);
        VmRecord u = out;
        assertTrue(u.isPresent(RecordFlags.PRESENT_GUEST_RATES));
        assertEquals(30.0, u.getDouble(GUEST_CPU_BUSY_PCT), 1e-9);
        assertEquals(60.0, u.getDouble(GUEST_CPU_IDLE_PCT), 1e-9);
        assertEquals(10.0, u.getDouble(GUEST_CPU_STEAL_PCT), 1e-9);
    }

    @Test
    void after_a_reset_the_guest_rates_start_again_instead_of_going_negative() {
        HostReading r = new HostReading();
        merger.guestArrived(out, guest(1, 100_000, 9_000, 0), HELLO, Continuity.CONTINUES, 1, 1, r);
        merger.guestArrived(out, guest(2, 10, 10, 0), HELLO, Continuity.COUNTERS_RESET, 2, 2, r);
        assertFalse(out.isPresent(RecordFlags.PRESENT_GUEST_RATES));
        assertEquals(0.0, out.getDouble(GUEST_CPU_BUSY_PCT));
    }

    @Test
    void steal_cross_check_compares_guest_steal_with_host_run_queue_wait_over_the_same_arrivals() {
        HostReading r = reading(0, 1, 0, 0, 0, 0);
        r.vcpuWaitNs = 5_000;
        merger.guestArrived(out, guest(1, 0, 0, 1_000), HELLO, Continuity.CONTINUES, 1, 1, r);
        fill(r, SECOND, 1, 0, 0, 0, 0);
        r.vcpuWaitNs = 5_000 + 4_000;
        merger.guestArrived(
                out, guest(2, 0, 0, 1_000 + 3_000), HELLO, Continuity.CONTINUES, 2, 2, r);
        VmRecord u = out;
        assertEquals(3_000, u.getLong(STEAL_GUEST_DELTA_NS));
        assertEquals(4_000, u.getLong(STEAL_HOST_DELTA_NS));
        assertEquals(0.75, u.getDouble(STEAL_RATIO), 1e-9);
    }

    @Test
    void seal_marks_staleness_connection_and_counters() {
        merger.guestArrived(out, guest(1, 0, 0, 0), HELLO, Continuity.CONTINUES, 100, 1, null);
        VmRecord fresh = merger.seal(out, CONNECTED, 100 + SECOND, 3 * SECOND, false);
        assertTrue(fresh.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
        assertFalse(fresh.hasFlags(RecordFlags.FLAG_GUEST_STALE));
        assertEquals(2, fresh.getLong(REJECTED_MESSAGES), "the total sums the reasons");
        assertEquals(1, fresh.getLong(REJECTED_OVERSIZED));
        assertEquals(0, fresh.getLong(REJECTED_MALFORMED));
        assertEquals(1, fresh.getLong(REJECTED_SAMPLE));
        assertEquals(7, fresh.getLong(DUPLICATE_SAMPLES));
        assertEquals(9, fresh.getLong(THROTTLED_MESSAGES));
        assertEquals(3, fresh.getLong(COUNTER_RESETS));
        VmRecord old = merger.seal(out, CONNECTED, 100 + 4 * SECOND, 3 * SECOND, false);
        assertTrue(old.hasFlags(RecordFlags.FLAG_GUEST_STALE));
        VmRecord last = merger.seal(out, CONNECTED, 100 + SECOND, 3 * SECOND, true);
        assertTrue(last.hasFlags(RecordFlags.FLAG_FINAL));
        assertFalse(
                last.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED),
                "a final sample is never 'connected'");
    }

    private static Sample guest(long seq, long userNs, long idleNs, long stealNs) {
        return Sample.newBuilder()
                .setSeq(seq)
                .setCpu(
                        Cpu.newBuilder()
                                .setTotal(
                                        CpuTimes.newBuilder()
                                                .setUserNs(userNs)
                                                .setIdleNs(idleNs)
                                                .setStealNs(stealNs)))
                .build();
    }

    private static HostReading reading(
            long t, int vcpus, long runNs, long txBytes, long readBytes, long readOps) {
        HostReading r = new HostReading();
        fill(r, t, vcpus, runNs, txBytes, readBytes, readOps);
        return r;
    }

    private static void fill(
            HostReading r,
            long t,
            int vcpus,
            long runNs,
            long txBytes,
            long readBytes,
            long readOps) {
        r.clear();
        r.readStartNanos = t;
        r.vcpuCount = vcpus;
        r.vcpuRunNs = runNs;
        r.vcpuWaitNs = 0;
        r.resetVcpuSlots(vcpus);
        for (int i = 0; i < vcpus; i++) {
            r.vcpuTidByIndex[i] = 100 + i;
            r.vcpuRunNsByIndex[i] = i == 0 ? runNs : 0;
            r.vcpuWaitNsByIndex[i] = 0;
        }
        r.markPresent(Source.VCPU);
        r.netTxBytes = txBytes;
        r.netRxBytes = r.netRxPackets = r.netTxPackets = 0;
        r.markPresent(Source.NET);
        r.diskReadBytes = readBytes;
        r.diskReadOps = readOps;
        r.diskWriteBytes = r.diskWriteOps = 0;
        r.markPresent(Source.BLOCK);
    }
}
