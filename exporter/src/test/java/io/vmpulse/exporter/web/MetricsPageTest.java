package io.vmpulse.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import io.vmpulse.exporter.cli.Exporter;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.testing.Exposition;
import io.vmpulse.exporter.testing.Promtool;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.TestRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The exporter's HTTP side on loopback: content negotiation, gzip, and the small pages. */
@Timeout(60)
class MetricsPageTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @TempDir Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<byte[]> get(ExporterServer s, String path, String... headers)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + s.address().getPort() + path))
                        .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void fill(TestRegistry reg) {
        reg.publish(
                "vm-a",
                r ->
                        Records.full(
                                r,
                                1,
                                2,
                                3,
                                System.nanoTime(),
                                System.currentTimeMillis() * 1_000_000L));
    }

    @Test
    void metrics_negotiates_prometheus_text_openmetrics_and_protobuf() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s =
                        Exporter.start(
                                reg.path(),
                                LOOPBACK,
                                null,
                                WebConfig.none(),
                                ExportOptions.defaults())) {
            fill(reg);

            HttpResponse<byte[]> text = get(s, "/metrics");
            assertEquals(200, text.statusCode());
            assertTrue(
                    text.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("text/plain; version=0.0.4"),
                    text.headers().toString());
            String body = new String(text.body(), StandardCharsets.UTF_8);
            assertEquals(
                    1210.0,
                    Exposition.parse(body)
                            .one("vmpulse_guest_cpu_seconds_total", "cpu", "1", "mode", "user")
                            .value());
            assertTrue(body.contains("\njvm_memory_used_bytes{"), "the exporter's own JVM metrics");
            assertTrue(
                    body.contains("\nprocess_cpu_seconds_total "),
                    "the exporter's own process metrics");
            Promtool.Result verdict = Promtool.checkMetrics(text.body());
            assertEquals(
                    0, verdict.exit(), "the whole page, JVM metrics included: " + verdict.output());

            HttpResponse<byte[]> om =
                    get(
                            s,
                            "/metrics",
                            "Accept",
                            "application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertTrue(
                    om.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("application/openmetrics-text"));
            String omBody = new String(om.body(), StandardCharsets.UTF_8);
            assertTrue(omBody.endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
            assertTrue(
                    omBody.contains("# UNIT vmpulse_guest_cpu_seconds seconds\n"),
                    "units are declared in OpenMetrics");
            assertTrue(
                    omBody.contains("# TYPE vmpulse_vm info\n"),
                    "vm_info is an info metric in OpenMetrics");

            HttpResponse<byte[]> pb =
                    get(
                            s,
                            "/metrics",
                            "Accept",
                            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
            assertTrue(
                    pb.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("application/vnd.google.protobuf"));
            Map<String, Metrics.MetricFamily> families = new HashMap<>();
            InputStream in = new ByteArrayInputStream(pb.body());
            Metrics.MetricFamily f;
            while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
                families.put(f.getName(), f);
            }
            Metrics.MetricFamily cpu = families.get("vmpulse_guest_cpu_seconds_total");
            assertEquals(Metrics.MetricType.COUNTER, cpu.getType());
            assertEquals(16, cpu.getMetricCount());
            assertTrue(
                    cpu.getMetricList().stream()
                            .anyMatch(
                                    m ->
                                            m.getCounter().getValue() == 1217.0
                                                    && m.getLabelList().stream()
                                                            .anyMatch(
                                                                    l ->
                                                                            l.getName()
                                                                                            .equals(
                                                                                                    "mode")
                                                                                    && l.getValue()
                                                                                            .equals(
                                                                                                    "steal"))
                                                    && m.getLabelList().stream()
                                                            .anyMatch(
                                                                    l ->
                                                                            l.getName()
                                                                                            .equals(
                                                                                                    "cpu")
                                                                                    && l.getValue()
                                                                                            .equals(
                                                                                                    "1"))));
        }
    }

    @Test
    void metrics_is_gzipped_when_the_client_asks() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s =
                        Exporter.start(
                                reg.path(),
                                LOOPBACK,
                                null,
                                WebConfig.none(),
                                ExportOptions.defaults())) {
            fill(reg);
            HttpResponse<byte[]> plain = get(s, "/metrics");
            assertTrue(plain.headers().firstValue("Content-Encoding").isEmpty());
            HttpResponse<byte[]> gz = get(s, "/metrics", "Accept-Encoding", "gzip");
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""));
            byte[] unzipped =
                    new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes();
            assertTrue(
                    gz.body().length < unzipped.length / 3,
                    gz.body().length + " gzipped bytes of " + unzipped.length);
            assertEquals(
                    1210.0,
                    Exposition.parse(new String(unzipped, StandardCharsets.UTF_8))
                            .one("vmpulse_guest_cpu_seconds_total", "cpu", "1", "mode", "user")
                            .value());
        }
    }

    @Test
    void landing_health_and_readiness_pages() throws Exception {
        Path file = dir.resolve("registry");
        try (ExporterServer s =
                Exporter.start(
                        file,
                        LOOPBACK,
                        null,
                        WebConfig.none(),
                        new ExportOptions(Duration.ofMillis(300), null))) {
            HttpResponse<byte[]> landing = get(s, "/");
            assertEquals(200, landing.statusCode());
            assertTrue(
                    new String(landing.body(), StandardCharsets.UTF_8)
                            .contains("href=\"metrics\""));
            assertEquals(404, get(s, "/nothing-here").statusCode());
            assertEquals(200, get(s, "/-/healthy").statusCode());

            HttpResponse<byte[]> noRegistry = get(s, "/-/ready");
            assertEquals(503, noRegistry.statusCode());
            assertTrue(
                    new String(noRegistry.body(), StandardCharsets.UTF_8)
                            .contains("no registry at " + file));

            try (TestRegistry reg = new TestRegistry(file, 4)) {
                assertEquals(
                        200, get(s, "/-/ready").statusCode(), "registry open, heartbeat fresh");
                Thread.sleep(500);
                HttpResponse<byte[]> stale = get(s, "/-/ready");
                assertEquals(
                        503,
                        stale.statusCode(),
                        "no heartbeat for longer than --collector.stale-after");
                assertTrue(new String(stale.body(), StandardCharsets.UTF_8).contains("heartbeat"));
                reg.heartbeat();
                assertEquals(200, get(s, "/-/ready").statusCode());
            }
            assertEquals(503, get(s, "/-/ready").statusCode(), "the collector closed the registry");
        }
    }
}
