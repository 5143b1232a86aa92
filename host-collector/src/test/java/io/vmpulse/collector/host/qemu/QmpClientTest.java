package io.vmpulse.collector.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QMP client against scripted monitors on real Unix sockets, for what a healthy QEMU does not
 * show on demand: events between a command and its answer, errors, and a monitor that hangs.
 * (Negotiation with a real QEMU is in QemuTest.)
 */
@Timeout(30)
class QmpClientTest {

    @TempDir Path dir;

    /**
     * Serves one connection: greeting, then for each command line received the next scripted
     * answer.
     */
    private Thread monitor(
            ServerSocketChannel server, List<String> answers, List<String> received) {
        Thread t =
                new Thread(
                        () -> {
                            try (SocketChannel c = server.accept()) {
                                write(
                                        c,
                                        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n");
                                StringBuilder in = new StringBuilder();
                                ByteBuffer buf = ByteBuffer.allocate(1024);
                                for (String answer : answers) {
                                    while (in.indexOf("\n") < 0) {
                                        if (c.read(buf.clear()) < 0) {
                                            return;
                                        }
                                        in.append(StandardCharsets.UTF_8.decode(buf.flip()));
                                    }
                                    received.add(in.substring(0, in.indexOf("\n")));
                                    in.delete(0, in.indexOf("\n") + 1);
                                    if (answer != null) {
                                        write(c, answer);
                                    }
                                }
                                c.read(buf.clear());
                            } catch (IOException ignored) {
                                // The client went away: the script is over.
                            }
                        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void write(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return s;
    }

    @Test
    void negotiates_capabilities_then_skips_events_to_reach_the_answer() throws Exception {
        Path path = dir.resolve("qmp.sock");
        List<String> received = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = listen(path);
                QmpClient qmp = new QmpClient(path, Duration.ofSeconds(5))) {
            monitor(
                    server,
                    List.of(
                            "{\"return\": {}}\r\n",
                            "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n"
                                    + "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"BLOCK_IO_ERROR\", \"data\": {}}\r\n"
                                    + "{\"return\": [{\"thread-id\": 4242, \"cpu-index\": 0, \"target\": \"x86_64\"}]}\r\n"),
                    received);
            JsonElement cpus = qmp.execute("query-cpus-fast");
            assertEquals(
                    4242,
                    cpus.getAsJsonArray().get(0).getAsJsonObject().get("thread-id").getAsInt());
            assertEquals(
                    List.of(
                            "{\"execute\":\"qmp_capabilities\"}",
                            "{\"execute\":\"query-cpus-fast\"}"),
                    received);
        }
    }

    @Test
    void an_error_answer_is_thrown_with_its_description() throws Exception {
        Path path = dir.resolve("qmp.sock");
        try (ServerSocketChannel server = listen(path);
                QmpClient qmp = new QmpClient(path, Duration.ofSeconds(5))) {
            monitor(
                    server,
                    List.of(
                            "{\"return\": {}}\r\n",
                            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command query-blockstats has not been found\"}}\r\n"),
                    new CopyOnWriteArrayList<>());
            IOException e = assertThrows(IOException.class, () -> qmp.execute("query-blockstats"));
            assertTrue(e.getMessage().contains("has not been found"), e.getMessage());
        }
    }

    @Test
    void a_monitor_that_accepts_and_never_answers_times_out() throws Exception {
        Path path = dir.resolve("qmp.sock");
        try (ServerSocketChannel server = listen(path);
                QmpClient qmp = new QmpClient(path, Duration.ofMillis(200))) {
            // Accepted by the kernel's backlog, never greeted.
            assertTimeoutPreemptively(
                    Duration.ofSeconds(5),
                    () ->
                            assertThrows(
                                    SocketTimeoutException.class,
                                    () -> qmp.execute("query-blockstats")));
            try (SocketChannel pending = server.accept()) {
                assertEquals(
                        -1,
                        pending.read(ByteBuffer.allocate(64)),
                        "the client closed its end on timeout");
            }
        }
    }

    @Test
    void
            a_monitor_that_hangs_after_negotiating_times_out_and_is_retried_on_a_new_connection_after_the_backoff()
                    throws Exception {
        Path path = dir.resolve("qmp.sock");
        List<String> received = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = listen(path);
                QmpClient qmp = new QmpClient(path, Duration.ofMillis(200))) {
            Thread first = monitor(server, Arrays.asList("{\"return\": {}}\r\n", null), received);
            assertThrows(SocketTimeoutException.class, () -> qmp.execute("query-blockstats"));
            first.join(5000);
            IOException soon =
                    assertThrows(IOException.class, () -> qmp.execute("query-blockstats"));
            assertTrue(soon.getMessage().contains("not retried yet"), soon.getMessage());
            assertEquals(2, received.size(), "no new connection during the backoff");
            Thread.sleep(200L * UnixHttpClient.BACKOFF_TIMEOUTS + 100);
            monitor(server, List.of("{\"return\": {}}\r\n", "{\"return\": []}\r\n"), received);
            assertEquals(0, qmp.execute("query-blockstats").getAsJsonArray().size());
            assertEquals(4, received.size(), "negotiated again on a new connection: " + received);
        }
    }
}
