package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import io.vmpulse.exporter.cli.Exporter;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.web.ExporterServer;
import io.vmpulse.exporter.web.WebConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The exporter process as the CLI puts it together: /metrics served, OTLP pushed beside it. */
class OtlpBesideMetricsTest {

    @Test
    void metrics_keeps_serving_while_the_otlp_receiver_is_down_and_pushes_resume_when_it_is_back()
            throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (TestRegistry reg = new TestRegistry(4)) {
            reg.publish("vm-1", new FilledVm(1, System.currentTimeMillis() * 1_000_000L).record);
            ExporterServer server =
                    Exporter.start(
                            reg.path,
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                            null,
                            WebConfig.none(),
                            ExportOptions.defaults());
            OtlpSettings down =
                    OtlpSettings.of(
                                    URI.create("http://127.0.0.1:" + closedPort),
                                    Duration.ofMillis(50))
                            .withRetry(3, Duration.ofMillis(20), Duration.ofSeconds(1));
            try (server;
                    OtlpPusher pusher = new OtlpPusher(reg.path, down).start()) {
                HttpClient http = HttpClient.newHttpClient();
                URI metrics =
                        URI.create("http://127.0.0.1:" + server.address().getPort() + "/metrics");
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> r =
                            http.send(
                                    HttpRequest.newBuilder(metrics).build(),
                                    HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode());
                    assertTrue(r.body().contains("vm_id=\"vm-1\""), "the scrape still has the VM");
                    Thread.sleep(60);
                }
                assertTrue(
                        pusher.failuresInRow() >= 2,
                        "pushes kept failing meanwhile: " + pusher.failuresInRow());
            }
        }
    }
}
