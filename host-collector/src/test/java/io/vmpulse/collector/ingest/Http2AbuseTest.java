package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.vmpulse.collector.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest attacking the HTTP/2 and gRPC layers under the collector's own code, frame by frame
 * (RawHttp2Guest): each attack is cut off by the server's limits, and the whole of what is logged
 * (every logger, captured at the root) is bounded lines without a stack trace.
 */
@Timeout(120)
class Http2AbuseTest {

    private static final GuestLimits LIMITS =
            new GuestLimits(16 * 1024, 64, 8, 64, 50.0, 20, 5, Duration.ofMillis(10));
    private static final int ENHANCE_YOUR_CALM = 0xb;

    @TempDir Path dir;

    private IngestServer ingest;
    private final List<Server> servers = new ArrayList<>();
    private LogCapture all;

    @BeforeEach
    void start() {
        ingest = new IngestServer(LIMITS);
        all = LogCapture.on("");
    }

    @AfterEach
    void stop() throws Exception {
        all.close();
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ingest.close();
    }

    @Test
    void random_bytes_instead_of_http2_cut_the_connection_with_one_line_and_no_trace()
            throws Exception {
        vm("garbage");
        byte[] junk = new byte[4096];
        new java.util.Random(13).nextBytes(junk);
        for (int i = 0; i < 20; i++) {
            try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("garbage.sock"))) {
                g.raw(junk);
                assertTrue(g.wasCutOff(10, TimeUnit.SECONDS), "connection " + i + " was cut off");
            } catch (IOException e) {
                // cut off while still writing
            }
        }
        Thread.sleep(300);
        assertNoTraces();
        List<String> lines = all.messages();
        assertEquals(
                1,
                lines.size(),
                "one line for 20 broken connections within the log period: " + lines);
        assertTrue(lines.get(0).startsWith("guest connection ended: "), lines.get(0));
    }

    @Test
    void a_malformed_message_is_a_counted_reject_with_one_line_per_period_and_no_trace()
            throws Exception {
        GuestLink link = vm("malformed");
        byte[] msg = new byte[105];
        System.arraycopy(RawHttp2Guest.grpcPrefix(100), 0, msg, 0, 5);
        Arrays.fill(msg, 5, msg.length, (byte) 0xff); // a varint tag that never ends
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("malformed.sock"))) {
            g.openCall(1);
            for (int i = 0; i < 3; i++) {
                g.sendData(1, msg, 1000);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (link.stats().rejected() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertEquals(3, link.stats().rejected());
        assertNoTraces();
        assertEquals(
                List.of("vm malformed: rejected malformed message (not a valid AgentMessage)"),
                all.messages());
    }

    @Test
    void rapid_reset_is_cut_off_by_the_servers_reset_budget() throws Exception {
        vm("reset");
        int streams = 0;
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("reset.sock"))) {
            for (int id = 1;
                    streams < 100_000 && !g.wasCutOff(0, TimeUnit.SECONDS);
                    id += 2, streams++) {
                g.openCall(id);
                g.frame(RawHttp2Guest.RST_STREAM, 0, id, new byte[] {0, 0, 0, 8});
            }
            assertTrue(g.wasCutOff(10, TimeUnit.SECONDS));
            assertEquals(ENHANCE_YOUR_CALM, g.goawayError, g.goawayDebug);
        } catch (IOException e) {
            // the server closed while the guest was still writing: cut off all the same
        }
        IngestBounds b = IngestBounds.forThisProcess();
        assertTrue(
                streams < 20 * b.resetsPerWindow(),
                streams + " streams opened and reset before the cut-off");
        assertNoTraces();
    }

    @Test
    void a_ping_flood_is_answered_with_goaway() throws Exception {
        vm("ping");
        int pings = 0;
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("ping.sock"))) {
            for (; pings < 100_000 && !g.wasCutOff(0, TimeUnit.SECONDS); pings++) {
                g.frame(RawHttp2Guest.PING, 0, 0, new byte[8]);
            }
            assertTrue(g.wasCutOff(10, TimeUnit.SECONDS));
            assertEquals(ENHANCE_YOUR_CALM, g.goawayError, g.goawayDebug);
        } catch (IOException e) {
            // cut off while writing
        }
        assertTrue(pings < 10_000, pings + " pings before the cut-off");
        assertNoTraces();
    }

    @Test
    void a_settings_flood_from_a_guest_that_never_reads_is_cut_off() throws Exception {
        vm("settings");
        int frames = 0;
        boolean cut = false;
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("settings.sock"), false)) {
            for (; frames < 1_000_000; frames++) {
                g.frame(RawHttp2Guest.SETTINGS, 0, 0, new byte[0]);
            }
        } catch (IOException e) {
            cut = true;
        }
        assertTrue(
                cut,
                "the server closed the connection before " + frames + " unanswerable SETTINGS");
        Thread.sleep(300);
        assertNoTraces();
        assertTrue(all.messages().size() <= 1, all.messages().toString());
    }

    @Test
    void a_continuation_flood_is_cut_off() throws Exception {
        vm("continuation");
        int frames = 0;
        boolean cut;
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("continuation.sock"))) {
            g.frame(RawHttp2Guest.HEADERS, 0, 1, RawHttp2Guest.callHeaders());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            RawHttp2Guest.literal(b, "x-junk", "y".repeat(100));
            for (; frames < 100_000 && !g.wasCutOff(0, TimeUnit.SECONDS); frames++) {
                g.frame(RawHttp2Guest.CONTINUATION, 0, 1, b.toByteArray());
            }
            cut = g.wasCutOff(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            cut = true;
        }
        assertTrue(cut, "cut off");
        assertTrue(frames < 1_000, frames + " CONTINUATION frames before the cut-off");
        Thread.sleep(300);
        assertNoTraces();
    }

    @Test
    void a_header_block_over_8_kib_never_reaches_the_service() throws Exception {
        GuestLink link = vm("header");
        try (RawHttp2Guest g = new RawHttp2Guest(dir.resolve("header.sock"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(RawHttp2Guest.callHeaders());
            RawHttp2Guest.literal(b, "x-junk", "y".repeat(15_000));
            g.frame(RawHttp2Guest.HEADERS, RawHttp2Guest.END_HEADERS, 1, b.toByteArray());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!refused(g) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(refused(g), "the stream or connection was refused");
        }
        assertEquals(0, link.stats().accepted());
        assertNoTraces();
    }

    private static boolean refused(RawHttp2Guest g) throws InterruptedException {
        return g.resets.get() > 0 || g.streamsEnded.get() > 0 || g.wasCutOff(0, TimeUnit.SECONDS);
    }

    private void assertNoTraces() {
        for (LogRecord r : all.records()) {
            assertEquals(
                    null,
                    r.getThrown(),
                    "a stack trace was logged: " + r.getLoggerName() + " " + r.getMessage());
            assertTrue(!r.getMessage().contains("\n"), "one line: " + r.getMessage());
        }
    }

    private GuestLink vm(String id) throws IOException {
        GuestLink link = ingest.link(id, new HostileGuestTest.Recorder());
        servers.add(ingest.listenUnix(dir.resolve(id + ".sock"), link));
        return link;
    }
}
