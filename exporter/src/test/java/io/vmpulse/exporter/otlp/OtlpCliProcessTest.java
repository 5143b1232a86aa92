package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** vmpulse-exporter as a real process, started with the --otlp.* options. */
class OtlpCliProcessTest {

    private static final Pattern SERVING = Pattern.compile("serving (http://\\S+/metrics)");

    @Test
    void the_exporter_serves_metrics_and_pushes_otlp_with_its_headers_on_its_interval()
            throws Exception {
        try (TestRegistry reg = new TestRegistry(4);
                OtlpReceiver rx = new OtlpReceiver()) {
            reg.publish("vm-cli", new FilledVm(3, System.currentTimeMillis() * 1_000_000L).record);
            Process p =
                    exporter(
                            reg.path,
                            "--otlp.endpoint",
                            rx.endpoint().toString(),
                            "--otlp.interval",
                            "200ms",
                            "--otlp.header",
                            "X-Api-Key=cli-key",
                            "--otlp.compression",
                            "none");
            try (BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = out.readLine();
                assertNotNull(line, "the exporter printed nothing");
                Matcher m = SERVING.matcher(line);
                assertTrue(m.find(), line);
                HttpResponse<String> scrape =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scrape.statusCode());
                assertTrue(scrape.body().contains("vm_id=\"vm-cli\""));

                OtlpReceiver.Received first = rx.take();
                OtlpReceiver.Received second = rx.take();
                assertEquals("cli-key", first.apiKey());
                assertNull(first.encoding(), "--otlp.compression none");
                var got = new ReceivedPoints(List.of(second.request()));
                assertEquals("vm-cli", got.resources.get("vm-cli").get("host.id"));
            } finally {
                p.destroy();
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the exporter stops on SIGTERM");
            }
        }
    }

    @Test
    void a_bad_otlp_option_is_one_line_and_exit_code_2() throws Exception {
        Path none = Path.of("/nonexistent-registry");
        for (String[] bad :
                new String[][] {
                    {"--otlp.endpoint", "ftp://x"},
                    {"--otlp.endpoint", "http://x", "--otlp.interval", "0s"},
                    {"--otlp.endpoint", "http://x", "--otlp.compression", "zstd"}
                }) {
            Process p = exporter(none, bad);
            String err =
                    new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), String.join(" ", bad) + ": " + err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("vmpulse-exporter: ") && err.contains("OTLP"), err);
        }
    }

    private static Process exporter(Path registry, String... otlp) throws Exception {
        List<String> cmd =
                new java.util.ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                "io.vmpulse.exporter.cli.ExporterMain",
                                "--registry",
                                registry.toString(),
                                "--web.listen-address",
                                "127.0.0.1:0"));
        cmd.addAll(List.of(otlp));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    }
}
