package io.vmpulse.collector.host.uds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmpulse.collector.host.UnixHttpServer;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The API connection is kept from request to request while the VMM keeps it, and only then. */
@Timeout(30)
class UnixHttpClientConnectionTest {

    private static final Duration TIMEOUT = Duration.ofMillis(100);

    @TempDir Path dir;

    @Test
    void a_server_that_keeps_connections_open_gets_every_request_on_one() throws Exception {
        try (UnixHttpServer server =
                        new UnixHttpServer(
                                dir.resolve("api"), r -> UnixHttpServer.noContent(), true);
                UnixHttpClient client = new UnixHttpClient(dir.resolve("api"), TIMEOUT)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        204,
                        client.request("PUT", "/actions", "{\"action_type\":\"FlushMetrics\"}")
                                .status());
            }
            assertEquals(3, server.requests.size());
            assertEquals(1, server.connections.get());
        }
    }

    @Test
    void a_server_that_closes_after_each_answer_gets_each_request_once_on_a_new_connection()
            throws Exception {
        try (UnixHttpServer server =
                        new UnixHttpServer(
                                dir.resolve("api"), r -> UnixHttpServer.json(200, "{}"));
                UnixHttpClient client = new UnixHttpClient(dir.resolve("api"), TIMEOUT)) {
            for (int i = 0; i < 3; i++) {
                assertEquals("{}", client.request("GET", "/vm.counters", null).body());
            }
            assertEquals(3, server.requests.size(), "no request sent twice");
            assertEquals(3, server.connections.get());
        }
    }

    @Test
    void an_answer_that_says_connection_close_is_the_last_on_its_connection() throws Exception {
        byte[] closing =
                "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        try (UnixHttpServer server = new UnixHttpServer(dir.resolve("api"), r -> closing, true);
                UnixHttpClient client = new UnixHttpClient(dir.resolve("api"), TIMEOUT)) {
            assertEquals(204, client.request("PUT", "/actions", "{}").status());
            assertEquals(204, client.request("PUT", "/actions", "{}").status());
            assertEquals(2, server.requests.size());
            assertEquals(2, server.connections.get());
        }
    }

    @Test
    void a_timeout_drops_the_kept_connection_so_a_late_answer_is_never_read_as_the_next()
            throws Exception {
        try (UnixHttpServer server =
                        new UnixHttpServer(
                                dir.resolve("api"),
                                r ->
                                        r.target().equals("/hang")
                                                ? null
                                                : UnixHttpServer.json(200, r.target()),
                                true);
                UnixHttpClient client = new UnixHttpClient(dir.resolve("api"), TIMEOUT)) {
            assertEquals("/first", client.request("GET", "/first", null).body());
            assertThrows(SocketTimeoutException.class, () -> client.request("GET", "/hang", null));
            Thread.sleep(UnixHttpClient.BACKOFF_TIMEOUTS * TIMEOUT.toMillis() + 50);
            assertEquals("/after", client.request("GET", "/after", null).body());
            assertEquals(3, server.requests.size());
            assertEquals(
                    2,
                    server.connections.get(),
                    "the hung connection was closed and a new one opened");
        }
    }
}
