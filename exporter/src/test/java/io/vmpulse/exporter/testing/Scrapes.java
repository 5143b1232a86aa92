package io.vmpulse.exporter.testing;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.metrics.RegistryCollector;
import io.vmpulse.exporter.scrape.RegistryScraper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One scrape of a registry, in the Prometheus text format, without HTTP. */
public final class Scrapes {

    private final RegistryCollector collector;

    public Scrapes(Path registry, ExportOptions options) {
        collector = new RegistryCollector(new RegistryScraper(registry), options);
    }

    public Scrapes(Path registry) {
        this(registry, ExportOptions.defaults());
    }

    public String text() {
        return text(collector.collect());
    }

    public Exposition parsed() {
        return Exposition.parse(text());
    }

    public static String text(MetricSnapshots snapshots) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, snapshots);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
