package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.collector.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections as a resource: a stream that never says hello is ended and its connection closed, one
 * VM cannot hold more than its share of connections, and all guests together cannot take more than
 * the collector's budget.
 */
@Timeout(60)
class ConnectionBoundsTest {

    private static final GuestLimits LIMITS =
            new GuestLimits(16 * 1024, 64, 8, 64, 50.0, 20, 5, Duration.ofMillis(10));

    @TempDir Path dir;

    private IngestServer ingest;
    private final List<Server> servers = new ArrayList<>();
    private final List<RawHttp2Guest> guests = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawHttp2Guest g : guests) {
            g.close();
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ingest.close();
    }

    @Test
    void
            a_stream_that_never_says_hello_is_ended_at_the_deadline_and_its_connection_closed_when_idle()
                    throws Exception {
        start(
                new IngestBounds(
                        Duration.ofMillis(300),
                        Duration.ofMillis(500),
                        4,
                        64,
                        100,
                        Duration.ofSeconds(10)));
        GuestLink link = vm("silent");
        RawHttp2Guest g = connect("silent");
        g.openCall(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (g.streamsEnded.get() == 0 && g.resets.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(g.streamsEnded.get() + g.resets.get() > 0, "the stream was ended");
        assertEquals(1, link.stats().rejected(), "and counted");
        assertTrue(g.wasCutOff(10, TimeUnit.SECONDS), "the connection, now idle, was closed");
    }

    @Test
    void one_vm_holding_its_connection_cap_is_refused_more_while_another_vm_still_connects()
            throws Exception {
        start(
                new IngestBounds(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30),
                        4,
                        64,
                        100,
                        Duration.ofSeconds(10)));
        GuestLink greedy = vm("greedy");
        GuestLink other = vm("other");
        try (LogCapture lines = LogCapture.on(GuestLink.class.getName())) {
            List<RawHttp2Guest> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(connect("greedy"));
            }
            for (RawHttp2Guest g : held) {
                assertFalse(
                        g.wasCutOff(300, TimeUnit.MILLISECONDS),
                        "the first 4 connections are held");
            }
            for (int i = 0; i < 20; i++) {
                assertTrue(
                        connect("greedy").wasCutOff(10, TimeUnit.SECONDS),
                        "connection " + (5 + i) + " is refused");
            }
            assertEquals(20, greedy.stats().rejected());
            assertEquals(
                    List.of("vm greedy: connection refused: the VM already holds 4 connections"),
                    lines.messages(),
                    "one line per log period, however many are refused");
            assertFalse(
                    connect("other").wasCutOff(300, TimeUnit.MILLISECONDS),
                    "another VM still gets in");
            assertEquals(0, other.stats().rejected());

            held.get(0).close();
            Thread.sleep(200);
            assertFalse(
                    connect("greedy").wasCutOff(300, TimeUnit.MILLISECONDS),
                    "a closed connection frees its place");
        }
    }

    @Test
    void all_guests_together_are_held_to_the_collectors_budget() throws Exception {
        start(
                new IngestBounds(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30),
                        4,
                        6,
                        100,
                        Duration.ofSeconds(10)));
        vm("a");
        GuestLink b = vm("b");
        for (int i = 0; i < 4; i++) {
            assertFalse(connect("a").wasCutOff(200, TimeUnit.MILLISECONDS));
        }
        assertFalse(connect("b").wasCutOff(200, TimeUnit.MILLISECONDS));
        assertFalse(connect("b").wasCutOff(200, TimeUnit.MILLISECONDS));
        assertTrue(
                connect("b").wasCutOff(10, TimeUnit.SECONDS),
                "the 7th connection overall is refused");
        assertEquals(1, b.stats().rejected());
    }

    private void start(IngestBounds bounds) {
        ingest = new IngestServer(LIMITS, bounds, SocketAccess.OWNER_AND_GROUP);
    }

    private RawHttp2Guest connect(String id) throws IOException {
        RawHttp2Guest g = new RawHttp2Guest(dir.resolve(id + ".sock"));
        guests.add(g);
        return g;
    }

    private GuestLink vm(String id) throws IOException {
        GuestLink link = ingest.link(id, new HostileGuestTest.Recorder());
        servers.add(ingest.listenUnix(dir.resolve(id + ".sock"), link));
        return link;
    }
}
