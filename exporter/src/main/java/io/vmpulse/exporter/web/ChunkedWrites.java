package io.vmpulse.exporter.web;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.FilterOutputStream;
import java.io.IOException;

/**
 * Splits the response body into writes of at most {@link #CHUNK} bytes. The Prometheus library
 * (serving protobuf and the {@code name[]}/{@code debug} queries; the text formats stream in 64 KiB
 * writes of their own) hands the whole scrape (about 8 MiB at 1,000 VMs) to one {@code write}, and
 * the JDK copies a socket write into a temporary direct buffer of the same size: the exporter's
 * native memory would grow with the fleet, and a direct-memory limit would fail the scrape
 * half-way.
 */
final class ChunkedWrites extends Filter {

    static final int CHUNK = 64 * 1024;

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        exchange.setStreams(
                null,
                new FilterOutputStream(exchange.getResponseBody()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        for (int done = 0; done < len; done += CHUNK) {
                            out.write(b, off + done, Math.min(CHUNK, len - done));
                        }
                    }
                });
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "response writes of at most " + CHUNK + " bytes";
    }
}
