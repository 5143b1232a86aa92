package io.vmpulse.collector.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.collector.testing.NativeHelper;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Firecracker's metrics file and FIFO, and its API socket, with lines and answers built field by
 * field from the upstream formats: src/vmm/src/devices/virtio/block/virtio/metrics.rs
 * (BlockDeviceMetrics), src/vmm/src/devices/virtio/net/metrics.rs (NetDeviceMetrics),
 * src/vmm/src/logger/metrics.rs (one object per line), src/firecracker/swagger/firecracker.yaml
 * (BalloonStats, InstanceActionInfo).
 */
@Timeout(60)
class FirecrackerTest {

    @TempDir Path dir;

    /** Deltas of one flush for one drive and one interface. */
    record Flush(
            long readBytes,
            long writeBytes,
            long readCount,
            long writeCount,
            long rxBytes,
            long txBytes,
            long rxPackets,
            long txPackets) {}

    static final Flush F1 = new Flush(4096, 512, 8, 1, 1500, 600, 3, 2);
    static final Flush F2 = new Flush(65536, 0, 16, 0, 0, 98, 0, 1);
    static final Flush F3 = new Flush(0, 1 << 20, 0, 256, 90000, 70000, 60, 50);

    /** A BlockDeviceMetrics object: every field Firecracker writes, in its order. */
    static String block(long rb, long wb, long rc, long wc) {
        return "{\"activate_fails\":0,\"cfg_fails\":0,\"no_avail_buffer\":0,\"event_fails\":0,\"execute_fails\":0,"
                + "\"invalid_reqs_count\":0,\"flush_count\":1,\"queue_event_count\":"
                + (rc + wc)
                + ","
                + "\"rate_limiter_event_count\":0,\"update_count\":0,\"update_fails\":0,"
                + "\"read_bytes\":"
                + rb
                + ",\"write_bytes\":"
                + wb
                + ",\"read_count\":"
                + rc
                + ",\"write_count\":"
                + wc
                + ","
                + "\"read_agg\":{\"min_us\":3,\"max_us\":90,\"sum_us\":400},"
                + "\"write_agg\":{\"min_us\":5,\"max_us\":70,\"sum_us\":300},"
                + "\"rate_limiter_throttled_events\":0,\"io_engine_throttled_events\":0,\"remaining_reqs_count\":0}";
    }

    /** A NetDeviceMetrics object: every field Firecracker writes, in its order. */
    static String net(long rxb, long txb, long rxp, long txp) {
        return "{\"activate_fails\":0,\"cfg_fails\":0,\"mac_address_updates\":0,\"no_rx_avail_buffer\":0,"
                + "\"no_tx_avail_buffer\":0,\"event_fails\":0,\"rx_queue_event_count\":"
                + rxp
                + ","
                + "\"rx_event_rate_limiter_count\":0,\"rx_rate_limiter_throttled\":0,\"rx_tap_event_count\":"
                + rxp
                + ","
                + "\"rx_bytes_count\":"
                + rxb
                + ",\"rx_packets_count\":"
                + rxp
                + ",\"rx_fails\":0,\"rx_count\":"
                + rxp
                + ","
                + "\"tap_read_fails\":0,\"tap_write_fails\":0,\"tap_write_agg\":{\"min_us\":1,\"max_us\":9,\"sum_us\":30},"
                + "\"tx_bytes_count\":"
                + txb
                + ",\"tx_malformed_frames\":0,\"tx_fails\":0,\"tx_count\":"
                + txp
                + ","
                + "\"tx_packets_count\":"
                + txp
                + ",\"tx_partial_reads\":0,\"tx_queue_event_count\":"
                + txp
                + ","
                + "\"tx_rate_limiter_event_count\":0,\"tx_rate_limiter_throttled\":0,\"tx_spoofed_mac_count\":0,"
                + "\"tx_remaining_reqs_count\":0}";
    }

    /**
     * One metrics line: drive "rootfs" with {@code f}, drive "scratch" with fixed deltas, the
     * aggregate "block" of both (as Firecracker writes it), interface "eth0" and its aggregate.
     */
    static String line(Flush f) {
        return "{\"utc_timestamp_ms\":1763800000000,"
                + "\"api_server\":{\"process_startup_time_us\":0,\"process_startup_time_cpu_us\":0},"
                + "\"block_rootfs\":"
                + block(f.readBytes, f.writeBytes, f.readCount, f.writeCount)
                + ","
                + "\"block_scratch\":"
                + block(7, 11, 1, 1)
                + ","
                + "\"block\":"
                + block(f.readBytes + 7, f.writeBytes + 11, f.readCount + 1, f.writeCount + 1)
                + ","
                + "\"net_eth0\":"
                + net(f.rxBytes, f.txBytes, f.rxPackets, f.txPackets)
                + ","
                + "\"net\":"
                + net(f.rxBytes, f.txBytes, f.rxPackets, f.txPackets)
                + ","
                + "\"vcpu\":{\"exit_io_in\":10,\"exit_io_out\":20,\"failures\":0}}\n";
    }

    private HostTargets targets(
            Path api, Path metrics, List<String> drives, List<String> taps, boolean balloon) {
        return new HostTargets(
                HypervisorKind.FIRECRACKER, 0, taps, drives, api, null, metrics, balloon, null);
    }

    private static HostSampler.Options options() {
        return HostSampler.Options.defaults().withFlushInterval(Duration.ZERO);
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(
                file,
                text,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    @Test
    void deltas_of_several_flushes_are_summed_and_the_collector_sends_each_flush()
            throws Exception {
        Path metrics = dir.resolve("metrics.json");
        Files.createFile(metrics);
        List<Flush> flushes = List.of(F1, F2, F3);
        AtomicInteger n = new AtomicInteger();
        // Like Firecracker: a FlushMetrics action writes one line before it is answered.
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"),
                                r -> {
                                    append(metrics, line(flushes.get(n.getAndIncrement())));
                                    return UnixHttpServer.noContent();
                                });
                HostSampler sampler =
                        new HostSampler(
                                targets(
                                        dir.resolve("api.sock"),
                                        metrics,
                                        List.of("rootfs"),
                                        List.of(),
                                        false),
                                options())) {
            HostReading r = new HostReading();
            long rb = 0;
            long wb = 0;
            long rc = 0;
            long wc = 0;
            for (Flush f : flushes) {
                sampler.read(r);
                rb += f.readBytes;
                wb += f.writeBytes;
                rc += f.readCount;
                wc += f.writeCount;
                assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
                assertEquals(rb, r.diskReadBytes);
                assertEquals(wb, r.diskWriteBytes);
                assertEquals(rc, r.diskReadOps);
                assertEquals(wc, r.diskWriteOps);
                assertEquals(1, r.diskCount, "only the VM's drive rootfs has an entry");
                assertEquals("rootfs", r.diskName[0]);
                assertEquals(rb, r.diskReadBytesEach[0]);
                assertEquals(wb, r.diskWriteBytesEach[0]);
                assertEquals(rc, r.diskReadOpsEach[0]);
                assertEquals(wc, r.diskWriteOpsEach[0]);
            }
            assertEquals(3, api.requests.size());
            for (UnixHttpServer.Request req : api.requests) {
                assertEquals("PUT", req.method());
                assertEquals("/actions", req.target());
                assertEquals("{\"action_type\":\"FlushMetrics\"}", req.body());
            }
            assertEquals(0, r.metricsLinesSkipped);
        }
    }

    @Test
    void a_nonzero_flush_interval_sends_flush_metrics_once_per_interval_not_once_per_read()
            throws Exception {
        Path metrics = dir.resolve("metrics.json");
        Files.createFile(metrics);
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"),
                                r -> {
                                    append(metrics, line(F1));
                                    return UnixHttpServer.noContent();
                                });
                HostSampler sampler =
                        new HostSampler(
                                targets(
                                        dir.resolve("api.sock"),
                                        metrics,
                                        List.of("rootfs"),
                                        List.of(),
                                        false),
                                HostSampler.Options.defaults()
                                        .withFlushInterval(Duration.ofMillis(300)))) {
            HostReading r = new HostReading();
            List<Integer> flushesAfterEachRead = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sampler.read(r);
                flushesAfterEachRead.add(api.requests.size());
            }
            Thread.sleep(350);
            for (int i = 0; i < 3; i++) {
                sampler.read(r);
                flushesAfterEachRead.add(api.requests.size());
            }
            assertEquals(
                    List.of(1, 1, 1, 2, 2, 2),
                    flushesAfterEachRead,
                    "the first read flushes, then only a read 300 ms after the last flush");
            assertTrue(
                    api.requests.stream()
                            .allMatch(
                                    q ->
                                            q.method().equals("PUT")
                                                    && q.target().equals("/actions")
                                                    && q.body()
                                                            .equals(
                                                                    "{\"action_type\":\"FlushMetrics\"}")),
                    api.requests::toString);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertEquals(2 * F1.readBytes, r.diskReadBytes, "two flushes, two lines of deltas");
        }
    }

    @Test
    void only_the_vms_drives_count_and_the_aggregate_is_not_added_again() throws Exception {
        Path metrics = dir.resolve("metrics.json");
        append(metrics, line(F1) + line(F2));
        try (HostSampler only =
                        new HostSampler(
                                targets(null, metrics, List.of("scratch"), List.of(), false),
                                options());
                HostSampler all =
                        new HostSampler(
                                targets(null, metrics, List.of(), List.of(), false), options())) {
            HostReading r = new HostReading();
            only.read(r);
            assertEquals(14, r.diskReadBytes, "scratch read 7 bytes per flush");
            assertEquals(1, r.diskCount);
            assertEquals("scratch", r.diskName[0]);
            assertEquals(14, r.diskReadBytesEach[0]);
            all.read(r);
            assertEquals(
                    F1.readBytes + F2.readBytes + 14,
                    r.diskReadBytes,
                    "rootfs + scratch, without \"block\"");
            assertEquals(F1.writeCount + F2.writeCount + 2, r.diskWriteOps);
            assertEquals(2, r.diskCount, "one entry per block_<drive_id>, none for the aggregate");
            assertEquals(List.of("rootfs", "scratch"), List.of(r.diskName[0], r.diskName[1]));
            assertEquals(F1.readBytes + F2.readBytes, r.diskReadBytesEach[0]);
            assertEquals(F1.writeBytes + F2.writeBytes, r.diskWriteBytesEach[0]);
            assertEquals(F1.readCount + F2.readCount, r.diskReadOpsEach[0]);
            assertEquals(F1.writeCount + F2.writeCount, r.diskWriteOpsEach[0]);
            assertEquals(14, r.diskReadBytesEach[1]);
            assertEquals(22, r.diskWriteBytesEach[1]);
            assertEquals(2, r.diskReadOpsEach[1]);
            assertEquals(2, r.diskWriteOpsEach[1]);
            assertEquals(0, r.diskOmitted);
        }
    }

    @Test
    void a_truncated_or_garbage_line_is_skipped_and_counted() throws Exception {
        Path metrics = dir.resolve("metrics.json");
        String cut = line(F2);
        append(metrics, line(F1) + cut.substring(0, cut.length() / 2) + "\n" + "not json at all\n");
        byte[] badUtf8 = line(F2).getBytes(StandardCharsets.UTF_8);
        badUtf8[40] = (byte) 0xFF;
        Files.write(metrics, badUtf8, StandardOpenOption.APPEND);
        append(metrics, line(F3));
        try (HostSampler sampler =
                new HostSampler(
                        targets(null, metrics, List.of("rootfs"), List.of(), false), options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isFailed(Source.BLOCK), "lines were skipped in this reading");
            assertEquals(3, r.metricsLinesSkipped, "truncated, not JSON, not UTF-8");
            sampler.read(r);
            assertTrue(r.isPresent(Source.BLOCK));
            assertEquals(
                    F1.readBytes + F3.readBytes,
                    r.diskReadBytes,
                    "the truncated line adds nothing");
            assertEquals(F1.writeBytes + F3.writeBytes, r.diskWriteBytes);
            assertEquals(F1.readBytes + F3.readBytes, r.diskReadBytesEach[0], "nor to its drive");
            assertEquals(F1.writeBytes + F3.writeBytes, r.diskWriteBytesEach[0]);
            assertEquals(3, r.metricsLinesSkipped, "truncated, not JSON, not UTF-8");
        }
    }

    @Test
    void
            a_reading_that_skipped_lines_marks_block_and_device_net_failing_and_logs_the_first_line_once()
                    throws Exception {
        Path metrics = dir.resolve("metrics.json");
        append(metrics, line(F1) + "garbage one\n");
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log =
                java.util.logging.Logger.getLogger(
                        io.vmpulse.collector.host.firecracker.FirecrackerMetrics.class.getName());
        java.util.logging.Handler capture =
                new java.util.logging.Handler() {
                    @Override
                    public void publish(java.util.logging.LogRecord r) {
                        logged.add(r.getMessage());
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        log.addHandler(capture);
        try (HostSampler sampler =
                new HostSampler(
                        targets(null, metrics, List.of("rootfs"), List.of("vmpulse-none0"), false),
                        options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isFailed(Source.BLOCK), "a line was skipped in this reading");
            assertEquals(
                    "1 metrics line skipped in this reading (" + metrics + ")",
                    r.error(Source.BLOCK));
            assertTrue(r.isFailed(Source.NET), "net came from the same metrics lines");
            assertEquals(1, r.metricsLinesSkipped);

            append(metrics, "garbage two\n" + line(F2));
            sampler.read(r);
            assertTrue(r.isFailed(Source.BLOCK));
            assertEquals(2, r.metricsLinesSkipped);

            append(metrics, line(F3));
            sampler.read(r);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertTrue(r.isPresent(Source.NET), () -> r.error(Source.NET));
            assertEquals(
                    F1.readBytes + F2.readBytes + F3.readBytes,
                    r.diskReadBytes,
                    "no parsed line was lost");
            assertEquals(F1.rxBytes + F2.rxBytes + F3.rxBytes, r.netRxBytes);
            assertEquals(F1.readBytes + F2.readBytes + F3.readBytes, r.diskReadBytesEach[0]);
            assertEquals(F1.rxBytes + F2.rxBytes + F3.rxBytes, r.nicRxBytesEach[0]);
            assertEquals(2, r.metricsLinesSkipped, "cumulative");
        } finally {
            log.removeHandler(capture);
        }
        assertEquals(
                List.of(
                        "metrics "
                                + metrics
                                + ": skipped a line that is not a metrics object"
                                + " (MalformedJsonException), first bytes: garbage one"),
                logged,
                "later skips are held back");
    }

    @Test
    void a_metrics_file_truncated_in_place_is_read_again_from_its_start_and_totals_continue()
            throws Exception {
        Path metrics = dir.resolve("metrics.json");
        append(metrics, line(F1) + line(F2));
        try (HostSampler sampler =
                new HostSampler(
                        targets(null, metrics, List.of("rootfs"), List.of(), false), options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertEquals(F1.readBytes + F2.readBytes, r.diskReadBytes);

            // logrotate's copytruncate: the same file, cut to nothing, then written again.
            try (java.nio.channels.FileChannel ch =
                    java.nio.channels.FileChannel.open(metrics, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            append(metrics, line(F3));
            sampler.read(r);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertEquals(F1.readBytes + F2.readBytes + F3.readBytes, r.diskReadBytes);
            assertEquals(F1.writeCount + F2.writeCount + F3.writeCount, r.diskWriteOps);
            assertEquals(
                    F1.readBytes + F2.readBytes + F3.readBytes,
                    r.diskReadBytesEach[0],
                    "the drive's total continues too");
            assertEquals(F1.writeCount + F2.writeCount + F3.writeCount, r.diskWriteOpsEach[0]);
            assertEquals(0, r.metricsLinesSkipped);
        }
    }

    @Test
    void a_fifo_whose_writer_stalls_mid_line_never_blocks_the_reader() throws Exception {
        Path fifo = dir.resolve("metrics.fifo");
        NativeHelper.run(List.of("mkfifo", fifo.toString()), 10);
        try (HostSampler sampler =
                new HostSampler(
                        targets(null, fifo, List.of("rootfs"), List.of(), false), options())) {
            HostReading r = new HostReading();
            assertTimeoutPreemptively(
                    Duration.ofSeconds(5), () -> sampler.read(r), "no writer yet");
            assertTrue(r.isFailed(Source.BLOCK), "nothing flushed yet");

            // The reader holds the FIFO open, so opening it for writing does not wait.
            try (FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
                String second = line(F2);
                writer.write(
                        (line(F1) + second.substring(0, 100)).getBytes(StandardCharsets.UTF_8));
                writer.flush();
                assertTimeoutPreemptively(
                        Duration.ofSeconds(5), () -> sampler.read(r), "writer stalled mid-line");
                assertTrue(r.isPresent(Source.BLOCK));
                assertEquals(F1.readBytes, r.diskReadBytes, "only the complete line counts");

                assertTimeoutPreemptively(
                        Duration.ofSeconds(5), () -> sampler.read(r), "FIFO empty, writer open");
                assertEquals(F1.readBytes, r.diskReadBytes);

                writer.write(second.substring(100).getBytes(StandardCharsets.UTF_8));
                writer.flush();
                sampler.read(r);
                assertEquals(
                        F1.readBytes + F2.readBytes,
                        r.diskReadBytes,
                        "the line completed by its newline");
                assertEquals(F1.readBytes + F2.readBytes, r.diskReadBytesEach[0]);
                assertEquals(0, r.metricsLinesSkipped);
            }
        }
    }

    @Test
    void net_deltas_are_used_where_no_tap_can_be_read() throws Exception {
        Path metrics = dir.resolve("metrics.json");
        append(metrics, line(F1) + line(F3));
        try (HostSampler sampler =
                new HostSampler(
                        targets(null, metrics, List.of(), List.of("vmpulse-none0"), false),
                        options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.NET), () -> r.error(Source.NET));
            assertFalse(r.netFromTap);
            assertEquals(
                    F1.rxBytes + F3.rxBytes, r.netRxBytes, "the device's rx is the guest's rx");
            assertEquals(F1.txBytes + F3.txBytes, r.netTxBytes);
            assertEquals(F1.rxPackets + F3.rxPackets, r.netRxPackets);
            assertEquals(F1.txPackets + F3.txPackets, r.netTxPackets);
            assertEquals(HostReading.ABSENT, r.netRxDropped, "Firecracker counts no drops");
            assertEquals(0, r.netRxErrors, "rx_fails is counted: a real 0");
            assertEquals(0, r.netTxErrors, "tx_fails");
            assertEquals(1, r.nicCount, "one entry for net_eth0, none for the aggregate");
            assertEquals("eth0", r.nicName[0]);
            assertEquals(F1.rxBytes + F3.rxBytes, r.nicRxBytesEach[0]);
            assertEquals(F1.txBytes + F3.txBytes, r.nicTxBytesEach[0]);
            assertEquals(F1.rxPackets + F3.rxPackets, r.nicRxPacketsEach[0]);
            assertEquals(F1.txPackets + F3.txPackets, r.nicTxPacketsEach[0]);
            assertEquals(HostReading.ABSENT, r.nicRxDropsEach[0]);
            assertEquals(HostReading.ABSENT, r.nicTxDropsEach[0]);
            assertEquals(0, r.nicRxErrorsEach[0]);
            assertEquals(0, r.nicTxErrorsEach[0]);
        }
    }

    @Test
    void balloon_statistics_are_read_in_bytes() throws Exception {
        // BalloonStats as in firecracker.yaml: pages and MiB are required, the guest's stats
        // optional.
        String stats =
                "{\"target_pages\":65536,\"actual_pages\":32768,\"target_mib\":256,\"actual_mib\":128,"
                        + "\"swap_in\":0,\"swap_out\":0,\"major_faults\":12,\"minor_faults\":3400,"
                        + "\"free_memory\":104857600,\"total_memory\":536870912,\"available_memory\":209715200,"
                        + "\"disk_caches\":52428800,\"hugetlb_allocations\":0,\"hugetlb_failures\":0}";
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"),
                                r -> UnixHttpServer.chunked(200, stats, 37));
                HostSampler sampler =
                        new HostSampler(
                                targets(dir.resolve("api.sock"), null, List.of(), List.of(), true),
                                options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.BALLOON), () -> r.error(Source.BALLOON));
            assertEquals(256L << 20, r.balloonTargetBytes);
            assertEquals(128L << 20, r.balloonActualBytes);
            assertEquals(104857600, r.balloonFreeBytes);
            assertEquals(536870912, r.balloonTotalBytes);
            assertEquals(209715200, r.balloonAvailableBytes);
            assertEquals("GET", api.requests.get(0).method());
            assertEquals("/balloon/statistics", api.requests.get(0).target());
        }
    }

    @Test
    void balloon_without_guest_statistics_reports_sizes_and_absent_memory() throws Exception {
        String stats =
                "{\"target_pages\":256,\"actual_pages\":0,\"target_mib\":1,\"actual_mib\":0}";
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"), r -> UnixHttpServer.json(200, stats));
                HostSampler sampler =
                        new HostSampler(
                                targets(dir.resolve("api.sock"), null, List.of(), List.of(), true),
                                options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.BALLOON));
            assertEquals(1L << 20, r.balloonTargetBytes);
            assertEquals(0, r.balloonActualBytes);
            assertEquals(HostReading.ABSENT, r.balloonFreeBytes);
            assertEquals(1, api.requests.size(), "no metrics path: no flush");
        }
    }

    @Test
    void an_api_socket_that_accepts_and_never_answers_times_out_and_marks_its_sources_failed()
            throws Exception {
        Path metrics = dir.resolve("metrics.json");
        append(metrics, line(F1));
        try (UnixHttpServer api = new UnixHttpServer(dir.resolve("api.sock"), r -> null);
                HostSampler sampler =
                        new HostSampler(
                                targets(
                                        dir.resolve("api.sock"),
                                        metrics,
                                        List.of("rootfs"),
                                        List.of(),
                                        true),
                                options().withSocketTimeout(Duration.ofMillis(200)))) {
            HostReading r = new HostReading();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> sampler.read(r));
            assertTrue(r.isFailed(Source.BLOCK), "the flush hung");
            assertTrue(r.error(Source.BLOCK).contains("timed out"), r.error(Source.BLOCK));
            assertTrue(r.isFailed(Source.BALLOON));
            assertTrue(r.error(Source.BALLOON).contains("timed out"), r.error(Source.BALLOON));
            assertEquals(HostReading.ABSENT, r.diskReadBytes);
            assertEquals(
                    "/actions", api.requests.get(0).target(), "the flush was sent before it hung");

            sampler.read(r);
            assertTrue(r.isFailed(Source.BLOCK));
            assertTrue(
                    r.error(Source.BALLOON).contains("not retried yet"), r.error(Source.BALLOON));
            assertEquals(
                    1,
                    api.requests.size(),
                    "a socket that just timed out is left alone for a while");
        }
    }

    @Test
    void a_failed_flush_keeps_block_failing_on_the_reads_before_the_next_flush() throws Exception {
        Path metrics = dir.resolve("metrics.json");
        Files.createFile(metrics);
        java.util.concurrent.atomic.AtomicBoolean up =
                new java.util.concurrent.atomic.AtomicBoolean();
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"),
                                r -> {
                                    if (!up.get()) {
                                        return UnixHttpServer.json(
                                                500, "{\"fault_message\":\"down\"}");
                                    }
                                    append(metrics, line(F1));
                                    return UnixHttpServer.noContent();
                                });
                HostSampler sampler =
                        new HostSampler(
                                targets(
                                        dir.resolve("api.sock"),
                                        metrics,
                                        List.of("rootfs"),
                                        List.of(),
                                        false),
                                HostSampler.Options.defaults()
                                        .withFlushInterval(Duration.ofMillis(300)))) {
            HostReading r = new HostReading();
            for (int i = 0; i < 3; i++) {
                sampler.read(r);
                assertTrue(r.isFailed(Source.BLOCK), "read " + i + ": no flush has worked yet");
                assertTrue(r.error(Source.BLOCK).contains("HTTP 500"), r.error(Source.BLOCK));
            }
            assertEquals(1, api.requests.size(), "one flush tried in the interval");
            up.set(true);
            Thread.sleep(350);
            sampler.read(r);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertEquals(F1.readBytes, r.diskReadBytes);
            sampler.read(r);
            assertTrue(r.isPresent(Source.BLOCK), "no flush due, and the last one worked");
            assertEquals(2, api.requests.size());
        }
    }

    @Test
    void an_api_error_answer_names_the_status() throws Exception {
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"),
                                r ->
                                        UnixHttpServer.json(
                                                400,
                                                "{\"fault_message\":\"Balloon device not configured\"}"));
                HostSampler sampler =
                        new HostSampler(
                                targets(dir.resolve("api.sock"), null, List.of(), List.of(), true),
                                options())) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isFailed(Source.BALLOON));
            assertTrue(r.error(Source.BALLOON).contains("HTTP 400"), r.error(Source.BALLOON));
            assertEquals("/balloon/statistics", api.requests.get(0).target());
        }
    }
}
