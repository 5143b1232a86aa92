package io.vmpulse.exporter.otlp;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP receiver on 127.0.0.1 (a port of its own) that decodes every request with the
 * official generated classes and keeps it, answering with the status the test sets.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One request as it arrived. */
    record Received(
            ExportMetricsServiceRequest request,
            int wireBytes,
            int decodedBytes,
            String contentType,
            String encoding,
            String apiKey) {}

    private final HttpServer server;
    private final BlockingQueue<Received> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int status = 200;
    private final AtomicInteger acceptBeforeStatus = new AtomicInteger();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/v1/metrics",
                ex -> {
                    attempts.incrementAndGet();
                    try (ex) {
                        byte[] wire = ex.getRequestBody().readAllBytes();
                        String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
                        byte[] body = wire;
                        if ("gzip".equals(encoding)) {
                            try (InputStream in =
                                    new GZIPInputStream(new java.io.ByteArrayInputStream(wire))) {
                                body = in.readAllBytes();
                            }
                        }
                        int s =
                                acceptBeforeStatus.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                                        ? 200
                                        : status;
                        if (s == 200) {
                            requests.add(
                                    new Received(
                                            ExportMetricsServiceRequest.parseFrom(body),
                                            wire.length,
                                            body.length,
                                            ex.getRequestHeaders().getFirst("Content-Type"),
                                            encoding,
                                            ex.getRequestHeaders().getFirst("X-Api-Key")));
                            byte[] ok =
                                    ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                            ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
                            ex.getResponseBody().write(ok);
                        } else {
                            ex.sendResponseHeaders(s, -1);
                        }
                    }
                });
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The HTTP status every request gets from now on (200 accepts and keeps it). */
    void answer(int httpStatus) {
        status = httpStatus;
    }

    /** Accepts the next {@code n} requests, then answers {@code httpStatus}. */
    void acceptThenAnswer(int n, int httpStatus) {
        status = httpStatus;
        acceptBeforeStatus.set(n);
    }

    /** Requests that reached the handler, accepted or not. */
    int attempts() {
        return attempts.get();
    }

    Received take() throws InterruptedException {
        Received r = requests.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no OTLP request within 30 s");
        }
        return r;
    }

    Received poll() {
        return requests.poll();
    }

    /**
     * Every request received and not yet taken (a synchronous push's requests are all in by its
     * end).
     */
    java.util.List<Received> drain() {
        java.util.List<Received> all = new java.util.ArrayList<>();
        requests.drainTo(all);
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
