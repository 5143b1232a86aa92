package io.vmpulse.exporter.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.vmpulse.exporter.exposition.ScrapeWriter;
import io.vmpulse.exporter.exposition.TextFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * {@code /metrics}: the text formats streamed by {@link ScrapeWriter}, everything else through the
 * Prometheus library's handler. The library's own negotiation picks the format (protobuf when
 * accepted, then OpenMetrics, then Prometheus text), so the two cannot disagree; requests with a
 * query ({@code name[]}, {@code debug}) and the formats the exporter does not stream (protobuf) go
 * to the library whole. Gzip when any Accept-Encoding entry is {@code gzip}, as the library decides
 * it, but at {@link Deflater#BEST_SPEED}: docs/benchmarks.md, "Exporter", has the levels measured.
 */
final class MetricsPage implements HttpHandler {

    private static final int GZIP_BUFFER = 64 * 1024;

    private final ScrapeWriter writer;
    private final HttpHandler library;
    private final ExpositionFormats formats = ExpositionFormats.init();

    MetricsPage(ScrapeWriter writer, HttpHandler library) {
        this.writer = writer;
        this.library = library;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        ExpositionFormatWriter negotiated =
                formats.findWriter(exchange.getRequestHeaders().getFirst("Accept"));
        TextFormat format = TextFormat.of(negotiated);
        if (format == null || exchange.getRequestURI().getRawQuery() != null) {
            library.handle(exchange);
            return;
        }
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", format.contentType());
            boolean gzip = gzipAccepted(exchange.getRequestHeaders().get("Accept-Encoding"));
            if (gzip) {
                exchange.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, 0); // chunked: the page is never held whole
            OutputStream body = exchange.getResponseBody();
            if (gzip) {
                body = new FastGzip(body);
            }
            try (OutputStream out = body) {
                writer.write(out, format, negotiated);
            }
        }
    }

    /** As the library decides: any comma-separated entry of any Accept-Encoding is "gzip". */
    static boolean gzipAccepted(List<String> headers) {
        if (headers == null) {
            return false;
        }
        for (String header : headers) {
            for (String encoding : header.split(",")) {
                if (encoding.trim().equalsIgnoreCase("gzip")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Level 1. Its zlib state (about 256 KiB of native memory) is freed when the response ends,
     * however it ends: on a normal close, and by JDK 17's {@code GZIPOutputStream.finish()} when a
     * write fails because the client went away (FastGzipTest checks both).
     */
    static class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, GZIP_BUFFER);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
