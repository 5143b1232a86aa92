package io.vmpulse.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.exporter.cli.ExporterMain;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.TestRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text page streams while the registry's copies are held, one scrape at a time: a client that
 * asks for it and stops reading must not hold back every other scrape. The server's response time
 * limit (120 s in production, 4 s here, set the same way) cuts it off. Runs the exporter as its own
 * process, since the JDK reads the limit once per JVM.
 */
@Timeout(90)
class StalledClientTest {

    @TempDir Path dir;

    @Test
    void a_client_that_stops_reading_is_cut_off_and_the_next_scrape_is_served() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 1000)) {
            long mono = System.nanoTime();
            long unix = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < 1000; i++) {
                int seed = i;
                reg.publish("vm-" + i, r -> Records.full(r, seed, 2, 3, mono, unix));
            }
            Process p =
                    new ProcessBuilder(
                                    List.of(
                                            Path.of(System.getProperty("java.home"), "bin", "java")
                                                    .toString(),
                                            "-XX:+UseSerialGC",
                                            "-Xmx128m",
                                            "-Dsun.net.httpserver.maxRspTime=4",
                                            "-Dsun.net.httpserver.timerMillis=100",
                                            "-cp",
                                            System.getProperty("java.class.path"),
                                            ExporterMain.class.getName(),
                                            "--registry",
                                            reg.path().toString(),
                                            "--web.listen-address",
                                            "127.0.0.1:0"))
                            .redirectErrorStream(true)
                            .start();
            try (Socket stalled = new Socket()) {
                URI url = URI.create(serving(p));
                // ~10 MB of page against a 4 KiB receive window: the exporter's write blocks.
                stalled.setReceiveBufferSize(4096);
                stalled.connect(new InetSocketAddress("127.0.0.1", url.getPort()));
                OutputStream req = stalled.getOutputStream();
                req.write(
                        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                req.flush();
                // The limit counts from each request, waiting for the copies included: asked
                // 3.5 s after the stalled one, the next scrape has 3.5 s left once it is cut off.
                Thread.sleep(3500);

                HttpResponse<String> next =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(url)
                                                .timeout(Duration.ofSeconds(60))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, next.statusCode());
                assertTrue(
                        next.body().contains("vmpulse_vm_up{source=\"host\",vm_id=\"vm-999\"}"),
                        "the whole page, to its last VM");
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static String serving(Process p) throws Exception {
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line =
                CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return out.readLine();
                                    } catch (java.io.IOException e) {
                                        return "read failed: " + e;
                                    }
                                })
                        .get(60, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("serving (http\\S+)").matcher(String.valueOf(line));
        assertTrue(m.find(), "no serving line: " + line);
        return m.group(1);
    }
}
