package io.vmpulse.exporter.testing;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vmpulse.exporter.exposition.ScrapeWriter;
import io.vmpulse.exporter.exposition.TextFormat;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.metrics.RegistryCollector;
import io.vmpulse.exporter.scrape.RegistryScraper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One scrape of a registry, without HTTP: as the exporter streams it ({@link #text()}, {@link
 * #openMetrics()}), or as the Prometheus library writes the same families' snapshots.
 */
public final class Scrapes {

    private final ScrapeWriter writer;
    private final RegistryCollector collector;

    public Scrapes(Path registry, ExportOptions options) {
        RegistryScraper scraper = new RegistryScraper(registry);
        writer = new ScrapeWriter(scraper, options, new PrometheusRegistry());
        collector = new RegistryCollector(scraper, options);
    }

    public Scrapes(Path registry) {
        this(registry, ExportOptions.defaults());
    }

    /** The Prometheus text page the exporter streams (its own JVM metrics left out). */
    public String text() {
        return streamed(TextFormat.PROMETHEUS, PrometheusTextFormatWriter.create());
    }

    /** The OpenMetrics page the exporter streams (its own JVM metrics left out). */
    public String openMetrics() {
        return streamed(TextFormat.OPENMETRICS, OpenMetricsTextFormatWriter.create());
    }

    public Exposition parsed() {
        return Exposition.parse(text());
    }

    /** The registry's snapshots for the library's writers. */
    public MetricSnapshots snapshots() {
        return collector.collect();
    }

    private String streamed(TextFormat format, ExpositionFormatWriter library) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writer.write(out, format, library);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code snapshots} as the library writes them in {@code w}'s format. */
    public static String library(ExpositionFormatWriter w, MetricSnapshots snapshots) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            w.write(out, snapshots);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
