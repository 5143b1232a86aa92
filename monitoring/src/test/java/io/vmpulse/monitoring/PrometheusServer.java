package io.vmpulse.monitoring;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real Debian prometheus, on 127.0.0.1 and a free port, with its data in a temporary directory
 * that {@link #close} removes along with the process. It evaluates rules every second, and scrapes
 * the given target every second when there is one.
 */
final class PrometheusServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    /** Longer than any test using it runs; a bound for a prometheus whose test JVM died. */
    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private final Path dir;
    private final Process process;
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Path dir, Process process, URI base) {
        this.dir = dir;
        this.process = process;
        this.base = base;
    }

    /**
     * @param ruleFiles rule files to load
     * @param target the /metrics URL to scrape as job "vmpulse", or null for none
     */
    static PrometheusServer start(List<Path> ruleFiles, URI target)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vmpulse-prometheus");
        try {
            Files.writeString(dir.resolve("prometheus.yml"), config(ruleFiles, target));
            IOException last = null;
            // A free port can be taken between our probe and prometheus's bind: try another then.
            for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                try {
                    return startOn(dir, freePort());
                } catch (IOException e) {
                    last = e;
                }
            }
            throw last;
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    private static PrometheusServer startOn(Path dir, int port)
            throws IOException, InterruptedException {
        Path data = dir.resolve("data-" + port);
        Path log = dir.resolve("prometheus-" + port + ".log");
        // Under timeout(1): should this JVM die without close(), prometheus still stops by itself.
        // timeout passes the SIGTERM of close() on to prometheus.
        Process p =
                new ProcessBuilder(
                                "timeout",
                                "--kill-after=10",
                                LIFETIME.toSeconds() + "s",
                                MonitoringFiles.PROMETHEUS.toString(),
                                "--config.file=" + dir.resolve("prometheus.yml"),
                                "--storage.tsdb.path=" + data,
                                "--web.listen-address=127.0.0.1:" + port)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        PrometheusServer server =
                new PrometheusServer(dir, p, URI.create("http://127.0.0.1:" + port));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(
                        "prometheus exited with " + p.exitValue() + ":\n" + tail(log));
            }
            if (server.ready()) {
                return server;
            }
            Thread.sleep(200);
        }
        stop(p);
        throw new IllegalStateException(
                "prometheus not ready within " + START_TIMEOUT + ":\n" + tail(log));
    }

    private static String config(List<Path> ruleFiles, URI target) {
        StringBuilder c =
                new StringBuilder(
                        """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                """);
        for (Path f : ruleFiles) {
            c.append("  - '").append(f.toAbsolutePath()).append("'\n");
        }
        if (target != null) {
            c.append("scrape_configs:\n")
                    .append("  - job_name: vmpulse\n")
                    .append("    scheme: ")
                    .append(target.getScheme())
                    .append('\n')
                    .append("    metrics_path: '")
                    .append(target.getRawPath())
                    .append("'\n")
                    .append("    static_configs:\n")
                    .append("      - targets: ['")
                    .append(target.getHost())
                    .append(':')
                    .append(target.getPort())
                    .append("']\n");
        }
        return c.toString();
    }

    private boolean ready() {
        try {
            return http.send(
                                    HttpRequest.newBuilder(base.resolve("/-/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An instant query now; the API's whole answer, an error answer included. */
    JsonObject query(String expr) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + enc(expr));
    }

    /**
     * A range query over the last {@code range}, one point a second, as a Grafana time series panel
     * asks.
     */
    JsonObject queryRange(String expr, Duration range) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() / 1000;
        return get(
                "/api/v1/query_range?query="
                        + enc(expr)
                        + "&start="
                        + (end - range.toSeconds())
                        + "&end="
                        + end
                        + "&step=1");
    }

    /** GET of an API path with its query string; the JSON answer whatever the status. */
    JsonObject get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        try {
            return JsonParser.parseString(r.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(
                    "HTTP " + r.statusCode() + " from " + pathAndQuery + ": " + r.body(), e);
        }
    }

    /** The last lines of prometheus's own log, for failure messages. */
    String logTail() {
        try (Stream<Path> logs = Files.list(dir)) {
            Path log =
                    logs.filter(p -> p.getFileName().toString().endsWith(".log"))
                            .max(Comparator.naturalOrder())
                            .orElse(null);
            return log == null ? "" : tail(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop(process);
        deleteTree(dir);
    }

    /** SIGTERM (timeout passes it on), then SIGKILL to timeout and prometheus both. */
    private static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless; the test's own result matters more.
        }
    }
}
