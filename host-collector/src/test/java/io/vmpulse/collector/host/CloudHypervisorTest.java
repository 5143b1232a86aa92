package io.vmpulse.collector.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cloud Hypervisor's {@code GET /api/v1/vm.counters}, answered on a real Unix socket with the
 * upstream shape: a map from device id to the device's counters, as each device's {@code
 * counters()} names them (virtio-devices/src/block.rs: read_bytes, write_bytes, read_ops,
 * write_ops; virtio-devices/src/net.rs: rx_bytes, rx_frames, tx_bytes, tx_frames).
 */
@Timeout(60)
class CloudHypervisorTest {

    static final String COUNTERS =
            "{"
                    + "\"_disk0\":{\"read_bytes\":1048576,\"write_bytes\":4096,\"read_ops\":256,\"write_ops\":1,"
                    + "\"read_latency_min\":10,\"read_latency_max\":200,\"read_latency_avg\":40},"
                    + "\"_disk1\":{\"read_bytes\":512,\"write_bytes\":0,\"read_ops\":1,\"write_ops\":0},"
                    + "\"_net2\":{\"rx_bytes\":9000,\"rx_frames\":12,\"tx_bytes\":3000,\"tx_frames\":7},"
                    + "\"__rng\":{}"
                    + "}";

    @TempDir Path dir;

    private HostSampler sampler(List<String> drives, List<String> taps) {
        return new HostSampler(
                new HostTargets(
                        HypervisorKind.CLOUD_HYPERVISOR,
                        0,
                        taps,
                        drives,
                        dir.resolve("api.sock"),
                        null,
                        null,
                        false,
                        null),
                HostSampler.Options.defaults());
    }

    @Test
    void block_counters_are_kept_per_drive_and_summed_over_the_vms_drives() throws Exception {
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"), r -> UnixHttpServer.json(200, COUNTERS));
                HostSampler all = sampler(List.of(), List.of());
                HostSampler one = sampler(List.of("_disk1"), List.of())) {
            HostReading r = new HostReading();
            all.read(r);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertEquals(1048576 + 512, r.diskReadBytes);
            assertEquals(4096, r.diskWriteBytes);
            assertEquals(257, r.diskReadOps);
            assertEquals(1, r.diskWriteOps);
            assertEquals(2, r.diskCount);
            assertEquals(List.of("_disk0", "_disk1"), List.of(r.diskName[0], r.diskName[1]));
            assertEquals(1048576, r.diskReadBytesEach[0]);
            assertEquals(4096, r.diskWriteBytesEach[0]);
            assertEquals(256, r.diskReadOpsEach[0]);
            assertEquals(1, r.diskWriteOpsEach[0]);
            assertEquals(512, r.diskReadBytesEach[1]);
            assertEquals(0, r.diskWriteBytesEach[1]);
            assertEquals(1, r.diskReadOpsEach[1]);
            assertEquals(0, r.diskWriteOpsEach[1]);
            assertEquals("GET", api.requests.get(0).method());
            assertEquals("/api/v1/vm.counters", api.requests.get(0).target());

            one.read(r);
            assertEquals(512, r.diskReadBytes);
            assertEquals(1, r.diskReadOps);
            assertEquals(1, r.diskCount, "only the VM's drive");
            assertEquals("_disk1", r.diskName[0]);
            assertEquals(512, r.diskReadBytesEach[0]);
        }
    }

    @Test
    void net_counters_are_used_where_no_tap_can_be_read() throws Exception {
        try (UnixHttpServer api =
                        new UnixHttpServer(
                                dir.resolve("api.sock"), r -> UnixHttpServer.json(200, COUNTERS));
                HostSampler noTap = sampler(List.of(), List.of());
                HostSampler missingTap = sampler(List.of(), List.of("vmpulse-none0"))) {
            for (HostSampler s : List.of(noTap, missingTap)) {
                HostReading r = new HostReading();
                s.read(r);
                assertTrue(r.isPresent(Source.NET));
                assertFalse(r.netFromTap);
                assertEquals(9000, r.netRxBytes, "the device's rx is what the guest received");
                assertEquals(3000, r.netTxBytes);
                assertEquals(12, r.netRxPackets);
                assertEquals(7, r.netTxPackets);
                assertEquals(
                        HostReading.ABSENT,
                        r.netRxErrors,
                        "vm.counters has no net errors: absent, not 0");
                assertEquals(HostReading.ABSENT, r.netTxErrors);
                assertEquals(HostReading.ABSENT, r.netRxDropped);
                assertEquals(1, r.nicCount);
                assertEquals("_net2", r.nicName[0]);
                assertEquals(9000, r.nicRxBytesEach[0]);
                assertEquals(3000, r.nicTxBytesEach[0]);
                assertEquals(12, r.nicRxPacketsEach[0]);
                assertEquals(7, r.nicTxPacketsEach[0]);
                assertEquals(
                        HostReading.ABSENT, r.nicRxErrorsEach[0], "no errors per device either");
                assertEquals(HostReading.ABSENT, r.nicTxErrorsEach[0]);
                assertEquals(HostReading.ABSENT, r.nicRxDropsEach[0]);
                assertEquals(HostReading.ABSENT, r.nicTxDropsEach[0]);
            }
            assertEquals(2, api.requests.size(), "one vm.counters per read serves block and net");
        }
    }

    @Test
    void an_answer_that_ends_with_the_connection_is_read_whole() throws Exception {
        byte[] head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] body = COUNTERS.getBytes(StandardCharsets.UTF_8);
        byte[] answer = new byte[head.length + body.length];
        System.arraycopy(head, 0, answer, 0, head.length);
        System.arraycopy(body, 0, answer, head.length, body.length);
        try (UnixHttpServer api = new UnixHttpServer(dir.resolve("api.sock"), r -> answer);
                HostSampler s = sampler(List.of(), List.of())) {
            HostReading r = new HostReading();
            s.read(r);
            assertTrue(r.isPresent(Source.BLOCK), () -> r.error(Source.BLOCK));
            assertEquals(1049088, r.diskReadBytes);
            assertEquals(1, api.requests.size());
        }
    }

    @Test
    void an_error_status_or_a_non_json_answer_marks_block_failed() throws Exception {
        for (byte[] answer :
                List.of(
                        UnixHttpServer.json(500, "{\"error\":\"internal\"}"),
                        UnixHttpServer.json(200, "<html>not json</html>"),
                        UnixHttpServer.json(
                                200, "{\"_disk0\":{\"read_bytes\":\"many\",\"write_bytes\":0}}"))) {
            try (UnixHttpServer api = new UnixHttpServer(dir.resolve("api.sock"), r -> answer);
                    HostSampler s = sampler(List.of(), List.of())) {
                HostReading r = new HostReading();
                s.read(r);
                assertTrue(r.isFailed(Source.BLOCK), new String(answer, StandardCharsets.UTF_8));
                assertEquals(HostReading.ABSENT, r.diskReadBytes);
                assertEquals(1, api.requests.size());
            }
        }
    }

    @Test
    void an_api_socket_that_accepts_and_never_answers_marks_block_failed_within_the_timeout()
            throws Exception {
        try (UnixHttpServer api = new UnixHttpServer(dir.resolve("api.sock"), r -> null);
                HostSampler s =
                        new HostSampler(
                                new HostTargets(
                                        HypervisorKind.CLOUD_HYPERVISOR,
                                        0,
                                        List.of(),
                                        List.of(),
                                        dir.resolve("api.sock"),
                                        null,
                                        null,
                                        false,
                                        null),
                                HostSampler.Options.defaults()
                                        .withSocketTimeout(java.time.Duration.ofMillis(300)))) {
            HostReading r = new HostReading();
            long start = System.nanoTime();
            s.read(r);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(r.isFailed(Source.BLOCK));
            assertEquals(
                    "SocketTimeoutException: read timed out on " + dir.resolve("api.sock"),
                    r.error(Source.BLOCK));
            assertTrue(
                    tookMs >= 300 && tookMs < 600,
                    "waited out the 300 ms timeout once: " + tookMs + " ms");
            assertEquals(HostReading.ABSENT, r.diskReadBytes);
            assertEquals(1, api.requests.size(), "the request was received and left unanswered");
        }
    }

    @Test
    void a_missing_api_socket_marks_block_failed() {
        try (HostSampler s = sampler(List.of(), List.of())) {
            HostReading r = new HostReading();
            s.read(r);
            assertTrue(r.isFailed(Source.BLOCK));
            assertFalse(r.isPresent(Source.NET));
        }
    }
}
