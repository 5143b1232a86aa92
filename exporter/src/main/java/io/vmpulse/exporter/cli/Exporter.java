package io.vmpulse.exporter.cli;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmpulse.exporter.exposition.ScrapeWriter;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.metrics.RegistryCollector;
import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.exporter.web.ExporterServer;
import io.vmpulse.exporter.web.InvalidWebConfigException;
import io.vmpulse.exporter.web.Readiness;
import io.vmpulse.exporter.web.WebConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Puts the exporter together: registry scraper, metric families, JVM metrics, HTTP server. */
public final class Exporter {

    private Exporter() {}

    /**
     * Starts serving {@code registry} on {@code address}.
     *
     * @param webConfigFile where {@code web} came from (for messages), or null
     */
    public static ExporterServer start(
            Path registry,
            InetSocketAddress address,
            Path webConfigFile,
            WebConfig web,
            ExportOptions options)
            throws IOException, InvalidWebConfigException {
        RegistryScraper scraper = new RegistryScraper(registry);
        PrometheusRegistry own = new PrometheusRegistry();
        JvmMetrics.builder().register(own);
        PrometheusRegistry all = new PrometheusRegistry();
        all.register(new RegistryCollector(scraper, options));
        all.register((MultiCollector) own::scrape);
        return ExporterServer.start(
                address,
                webConfigFile,
                web,
                new ScrapeWriter(scraper, options, own),
                all,
                new Readiness(scraper, options.staleAfter()),
                ExporterMain.Version.get());
    }
}
