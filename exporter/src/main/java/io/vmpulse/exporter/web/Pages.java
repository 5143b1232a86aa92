package io.vmpulse.exporter.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The small pages beside /metrics: the landing page, /-/healthy and /-/ready. */
final class Pages {

    private Pages() {}

    static HttpHandler landing(String version) {
        String html =
                """
                <!DOCTYPE html>
                <html lang="en">
                <head><meta charset="utf-8"><title>vmpulse exporter</title></head>
                <body>
                <h1>vmpulse exporter</h1>
                <p>Per-VM metrics of this host, read from the vmpulse registry on every scrape. Version %s.</p>
                <ul>
                <li><a href="metrics">metrics</a></li>
                <li><a href="-/healthy">health</a></li>
                <li><a href="-/ready">readiness</a> (the registry is open and the collector alive)</li>
                </ul>
                </body>
                </html>
                """
                        .formatted(version);
        return exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                send(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
            } else {
                send(exchange, 200, "text/html; charset=utf-8", html);
            }
        };
    }

    static HttpHandler healthy() {
        return exchange -> send(exchange, 200, "text/plain; charset=utf-8", "Healthy\n");
    }

    static HttpHandler ready(Readiness readiness) {
        return exchange -> {
            String problem = readiness.problem();
            if (problem == null) {
                send(exchange, 200, "text/plain; charset=utf-8", "Ready\n");
            } else {
                send(exchange, 503, "text/plain; charset=utf-8", "Not ready: " + problem + "\n");
            }
        };
    }

    private static void send(HttpExchange exchange, int status, String type, String body)
            throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
