package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.vmpulse.collector.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests that announce messages far over the limit and stream them, speaking HTTP/2 by hand so that
 * the test JVM never holds the message: the collector must cut each one off from the message's
 * length prefix, before it buffers the body, and count it against its VM.
 */
@Timeout(120)
class OversizedMessageTest {

    private static final GuestLimits LIMITS =
            new GuestLimits(16 * 1024, 64, 8, 64, 50.0, 20, 5, Duration.ofMillis(10));

    /**
     * What a guest may have in flight before the server's first SETTINGS reach it (HTTP/2's initial
     * 64 KiB windows), plus the server's own window: nothing beyond can be sent without the server
     * reading the message, which is what must not happen.
     */
    private static final long MOST_LET_IN = 65_535 + IngestServer.flowControlWindow(LIMITS);

    private static final int GUESTS = 100;

    @TempDir Path dir;

    private IngestServer ingest;
    private final List<Server> servers = new ArrayList<>();

    @BeforeEach
    void start() {
        ingest = new IngestServer(LIMITS);
    }

    @AfterEach
    void stop() throws Exception {
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ingest.close();
    }

    @Test
    void
            a_hundred_guests_streaming_one_and_a_hundred_megabyte_messages_are_cut_off_unread_and_counted()
                    throws Exception {
        List<GuestLink> links = new ArrayList<>();
        List<Path> sockets = new ArrayList<>();
        for (int i = 0; i < GUESTS; i++) {
            GuestLink link = ingest.link("big-" + i, new HostileGuestTest.Recorder());
            Path sock = dir.resolve("big-" + i + ".sock_7070");
            servers.add(ingest.listenUnix(sock, link));
            links.add(link);
            sockets.add(sock);
        }
        long heapBefore = retainedHeap();
        ExecutorService pool = Executors.newFixedThreadPool(GUESTS);
        List<Future<Long>> letIn = new ArrayList<>();
        try (LogCapture lines = LogCapture.on(GuestLink.class.getName())) {
            for (int i = 0; i < GUESTS; i++) {
                long size = i == 0 ? 100L * 1024 * 1024 : 1024 * 1024;
                Path sock = sockets.get(i);
                letIn.add(
                        pool.submit(
                                (Callable<Long>)
                                        () -> {
                                            try (RawHttp2Guest g = new RawHttp2Guest(sock)) {
                                                g.openCall(1);
                                                long sent = g.streamMessage(1, size, 10_000);
                                                assertTrue(
                                                        sent < size,
                                                        "a guest streaming "
                                                                + size
                                                                + " bytes was cut off");
                                                return sent;
                                            }
                                        }));
            }
            for (int i = 0; i < GUESTS; i++) {
                long sent = letIn.get(i).get(60, TimeUnit.SECONDS);
                assertTrue(
                        sent <= MOST_LET_IN,
                        "guest "
                                + i
                                + " got "
                                + sent
                                + " bytes in before it was cut off, over "
                                + MOST_LET_IN
                                + ": the server read into the message");
            }
            for (GuestLink link : links) {
                awaitRejected(link, 1);
            }
            long heapAfter = retainedHeap();
            assertTrue(
                    heapAfter - heapBefore < 8L * 1024 * 1024,
                    "the heap grew by "
                            + (heapAfter - heapBefore) / 1024
                            + " KiB after "
                            + GUESTS
                            + " oversized messages");
            assertEquals(
                    GUESTS,
                    lines.messages().stream()
                            .filter(m -> m.contains("over the limit of 16384"))
                            .count(),
                    "one line per VM");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitRejected(GuestLink link, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (link.stats().rejected() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(
                n,
                link.stats().rejected(),
                link.vmId() + ": the oversized message is counted as rejected");
    }

    private static long retainedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
