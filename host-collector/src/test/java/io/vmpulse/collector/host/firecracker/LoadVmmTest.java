package io.vmpulse.collector.host.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in Firecracker of benchmarks/scripts/collector-load.sh ({@code
 * benchmarks/scripts/load_vmm.c}) must behave like Firecracker's API server where the collector
 * depends on it: it survives a client that gave up before the answer, and keeps a connection open
 * for request after request, ten at most.
 */
@Timeout(60)
class LoadVmmTest {

    private static final String FLUSH =
            "PUT /actions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 30\r\n\r\n{\"action_type\":\"FlushMetrics\"}";

    @TempDir Path dir;

    private Process loadVmm;
    private long vmmPid;
    private Path api;
    private Path metrics;

    @BeforeEach
    void start() throws Exception {
        Path binary = Tools.gcc(Tools.ROOT.resolve("benchmarks/scripts/load_vmm.c"), dir);
        Path vmm = Files.createDirectory(dir.resolve("vmm"));
        loadVmm =
                new ProcessBuilder(binary.toString(), vmm.toString(), "1", "2")
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        String line =
                new BufferedReader(
                                new InputStreamReader(
                                        loadVmm.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
        assertTrue(
                line != null && line.startsWith("0 "),
                "load_vmm prints the child of VM 0: " + line);
        vmmPid = Long.parseLong(line.substring(2));
        api = vmm.resolve("vm-0.api");
        metrics = vmm.resolve("vm-0.metrics");
    }

    @AfterEach
    void stop() throws Exception {
        loadVmm.destroy();
        loadVmm.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void a_client_that_closes_before_the_answer_does_not_kill_the_vmm() throws Exception {
        // Stopped, the stand-in answers only after the client has gone, as a loaded one does
        // after the collector's timeout: its write then meets a closed socket.
        signal("STOP");
        try (SocketChannel c = connect()) {
            send(c, FLUSH);
        }
        signal("CONT");
        try (SocketChannel c = connect()) {
            send(c, FLUSH);
            assertTrue(answer(c).startsWith("HTTP/1.1 204 "), "a later FlushMetrics is answered");
        }
        assertTrue(
                ProcessHandle.of(vmmPid).map(ProcessHandle::isAlive).orElse(false),
                "the stand-in VMM lives");
    }

    @Test
    void one_connection_serves_request_after_request_and_the_eleventh_connection_is_refused()
            throws Exception {
        try (SocketChannel c = connect()) {
            for (int i = 1; i <= 3; i++) {
                send(c, FLUSH);
                assertEquals(
                        "HTTP/1.1 204 \r\nServer: Firecracker API\r\nConnection: keep-alive\r\n\r\n",
                        answer(c));
                assertEquals(
                        i, Files.readAllLines(metrics).size(), "one metrics line per FlushMetrics");
            }
        }
        List<SocketChannel> open = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                SocketChannel c = connect();
                open.add(c);
                // Answered: the stand-in has taken this connection into its ten before the next.
                send(c, FLUSH);
                assertTrue(
                        answer(c).startsWith("HTTP/1.1 204 "), "connection " + (i + 1) + " of 10");
            }
            try (SocketChannel eleventh = connect()) {
                String refused = answer(eleventh);
                assertTrue(
                        refused.startsWith("HTTP/1.1 503\r\n")
                                && refused.contains("Connection: close\r\n"),
                        refused);
                assertEquals(-1, eleventh.read(ByteBuffer.allocate(16)), "and closed");
            }
        } finally {
            for (SocketChannel c : open) {
                c.close();
            }
        }
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(api));
    }

    private static void send(SocketChannel c, String request) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** One answer: its head, and a body of Content-Length bytes if it has one. */
    private static String answer(SocketChannel c) throws IOException {
        StringBuilder got = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(1);
        while (true) {
            String s = got.toString();
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0) {
                int at = s.indexOf("Content-Length: ");
                int length =
                        at < 0 || at > end
                                ? 0
                                : Integer.parseInt(s.substring(at + 16, s.indexOf("\r\n", at)));
                if (s.length() == end + 4 + length) {
                    return s;
                }
            }
            if (c.read(b.clear()) < 0) {
                throw new IOException("closed mid-answer after: " + s);
            }
            got.append((char) b.get(0));
        }
    }

    private void signal(String name) throws Exception {
        Process kill =
                new ProcessBuilder("kill", "-" + name, Long.toString(vmmPid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }
}
