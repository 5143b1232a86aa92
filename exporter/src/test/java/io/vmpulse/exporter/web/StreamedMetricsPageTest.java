package io.vmpulse.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import io.vmpulse.exporter.cli.Exporter;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.testing.Exposition;
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
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the streamed text page changed on the wire: it is sent chunked (no length, never held
 * whole), gzipped in any format when asked, and everything it does not stream still reaches the
 * library's handler: protobuf, gzipped protobuf, the {@code name[]} filter.
 */
@Timeout(60)
class StreamedMetricsPageTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @TempDir Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<byte[]> send(ExporterServer s, String method, String path, String... h)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + s.address().getPort() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < h.length; i += 2) {
            b.header(h[i], h[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private ExporterServer start(TestRegistry reg) throws Exception {
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
        return Exporter.start(
                reg.path(), LOOPBACK, null, WebConfig.none(), ExportOptions.defaults());
    }

    @Test
    void openmetrics_is_streamed_chunked_and_gzipped_when_any_listed_encoding_is_gzip()
            throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s = start(reg)) {
            HttpResponse<byte[]> r =
                    send(
                            s,
                            "GET",
                            "/metrics",
                            "Accept",
                            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
                            "Accept-Encoding",
                            "deflate, GZIP");
            assertEquals(200, r.statusCode());
            assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
            assertTrue(r.headers().firstValue("Content-Length").isEmpty(), "sent chunked");
            assertTrue(
                    r.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("application/openmetrics-text; version=1.0.0"));
            String page =
                    new String(
                            new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(),
                            StandardCharsets.UTF_8);
            assertTrue(page.endsWith("\n# EOF\n"), "one # EOF, at the end");
            assertEquals(page.indexOf("# EOF"), page.lastIndexOf("# EOF"));
            assertTrue(page.contains("\nvmpulse_guest_cpu_seconds_total{cpu=\"1\",mode=\"user\","));
            assertTrue(page.contains("\njvm_memory_used_bytes{"), "the JVM's own metrics follow");
        }
    }

    @Test
    void protobuf_gzipped_protobuf_and_name_filters_are_served_by_the_library() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s = start(reg)) {
            String proto =
                    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
            HttpResponse<byte[]> pb =
                    send(s, "GET", "/metrics", "Accept", proto, "Accept-Encoding", "gzip");
            assertEquals("gzip", pb.headers().firstValue("Content-Encoding").orElse(""));
            Set<String> names = new HashSet<>();
            InputStream in = new GZIPInputStream(new ByteArrayInputStream(pb.body()));
            Metrics.MetricFamily f;
            while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
                names.add(f.getName());
            }
            assertTrue(names.contains("vmpulse_vm_up"), names.toString());
            assertTrue(names.contains("vmpulse_guest_cpu_seconds_total"), names.toString());
            assertTrue(names.contains("jvm_memory_used_bytes"), names.toString());

            HttpResponse<byte[]> one = send(s, "GET", "/metrics?name[]=vmpulse_vm_up");
            assertEquals(200, one.statusCode());
            Exposition e = Exposition.parse(new String(one.body(), StandardCharsets.UTF_8));
            assertTrue(e.sampleNames().contains("vmpulse_vm_up"), e.sampleNames().toString());
            assertFalse(
                    e.sampleNames().contains("vmpulse_guest_cpu_seconds_total"),
                    "the library's filter left the rest out: " + e.sampleNames());
            assertFalse(
                    e.sampleNames().contains("jvm_memory_used_bytes"), e.sampleNames().toString());
        }
    }

    @Test
    void head_of_the_streamed_page_has_its_headers_and_no_body() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s = start(reg)) {
            HttpResponse<byte[]> r = send(s, "HEAD", "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(
                    r.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("text/plain; version=0.0.4"));
            assertEquals(0, r.body().length);
            assertFalse(r.headers().firstValue("Content-Encoding").isPresent());
        }
    }
}
