package io.vmpulse.exporter.web;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmpulse.exporter.exposition.ScrapeWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The exporter's HTTP(S) server: {@code /metrics} ({@link MetricsPage}: Prometheus text,
 * OpenMetrics text or protobuf as the Accept header asks, gzipped when asked), and the landing,
 * health and readiness pages. Basic auth, when configured, guards every path, as in node_exporter.
 */
public final class ExporterServer implements AutoCloseable {

    /**
     * Scrapes are serialised by the reader anyway; a few threads keep a slow client from blocking
     * the rest.
     */
    private static final int THREADS = 4;

    /**
     * The JDK server closes a connection whose response is still being written after this many
     * seconds. The text page streams while the registry's copies are held (one scrape at a time),
     * so a client that stops reading would otherwise hold back every other scrape and the readiness
     * probe for good. Prometheus' own scrape_timeout is at most a scrape interval. The limit counts
     * from each request, time waiting for the copies included, so a scrape queued right behind a
     * stalled one may be cut too; the next ones are served.
     */
    static final String MAX_RESPONSE_SECONDS = "120";

    /**
     * TCP_NODELAY on accepted connections. The JDK server sends a chunked body in 4 KiB chunks and
     * ends it with a 5-byte chunk; with Nagle's algorithm on, that last small segment waits for the
     * client's delayed ACK (up to 40 ms on Linux), and so does the response: scrapes of 1,000 VMs
     * clustered about 40 ms apart, and the plain median fell from 75-78 to 46-49 ms with this
     * (docs/benchmarks.md, "RSS and wall time").
     */
    static final String NO_DELAY = "true";

    static {
        // Read once, when the JDK's server implementation is loaded: before the first create().
        setDefault("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
        setDefault("sun.net.httpserver.nodelay", NO_DELAY);
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private ExporterServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} and starts serving.
     *
     * @param configFile the web config's path, for messages; null when there is none
     * @param text the text formats' writer
     * @param registry every metric, for the formats left to the library's handler
     */
    public static ExporterServer start(
            InetSocketAddress address,
            Path configFile,
            WebConfig config,
            ScrapeWriter text,
            PrometheusRegistry registry,
            Readiness readiness,
            String version)
            throws IOException, InvalidWebConfigException {
        HttpServer server;
        if (config.tls()) {
            SSLContext ssl = PemTls.context(configFile, config);
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(
                    new HttpsConfigurator(ssl) {
                        @Override
                        public void configure(HttpsParameters params) {
                            SSLParameters p = ssl.getDefaultSSLParameters();
                            p.setProtocols(
                                    config.minTls().equals("TLSv1.3")
                                            ? new String[] {"TLSv1.3"}
                                            : new String[] {"TLSv1.3", "TLSv1.2"});
                            params.setSSLParameters(p);
                        }
                    });
            server = https;
        } else {
            server = HttpServer.create(address, 0);
        }
        BcryptAuthenticator auth =
                config.users().isEmpty() ? null : new BcryptAuthenticator(config.users());
        guard(server.createContext("/", Pages.landing(version)), auth);
        HttpContext metrics =
                server.createContext(
                        "/metrics", new MetricsPage(text, new MetricsHandler(registry)));
        metrics.getFilters().add(new ChunkedWrites());
        guard(metrics, auth);
        guard(server.createContext("/-/healthy", Pages.healthy()), auth);
        guard(server.createContext("/-/ready", Pages.ready(readiness)), auth);
        ExecutorService executor =
                Executors.newFixedThreadPool(
                        THREADS,
                        r -> {
                            Thread t = new Thread(r, "vmpulse-http");
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.start();
        return new ExporterServer(server, executor);
    }

    private static void guard(HttpContext context, BcryptAuthenticator auth) {
        if (auth != null) {
            context.setAuthenticator(auth);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
