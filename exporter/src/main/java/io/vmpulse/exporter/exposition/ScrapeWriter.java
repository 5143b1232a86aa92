package io.vmpulse.exporter.exposition;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.metrics.Family;
import io.vmpulse.exporter.metrics.RegistryFamilies;
import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.exporter.scrape.Scrape;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One scrape as a text page, streamed: the registry's families, each a loop over the VMs writing
 * straight from the slot copies (no object per point, no whole page in memory), then the exporter's
 * own JVM and process metrics through the library's writer of the same format, which ends an
 * OpenMetrics page with {@code # EOF}.
 */
public final class ScrapeWriter {

    private final RegistryScraper scraper;
    private final ExportOptions options;
    private final PrometheusRegistry own;

    /**
     * @param own the exporter's own metrics (JVM, process), written by the library
     */
    public ScrapeWriter(RegistryScraper scraper, ExportOptions options, PrometheusRegistry own) {
        this.scraper = scraper;
        this.options = options;
        this.own = own;
    }

    /**
     * Writes the page to {@code stream} in {@code format}; {@code library} is the library's writer
     * of that format, for the exporter's own metrics.
     */
    public void write(OutputStream stream, TextFormat format, ExpositionFormatWriter library)
            throws IOException {
        try {
            scraper.scrape(
                    s -> {
                        try {
                            write(s, RegistryFamilies.of(s, options), format, stream);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        return null;
                    });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        library.write(stream, own.scrape());
    }

    /** {@code families} of scrape {@code s}, in the order given, to {@code stream}. */
    public static void write(
            Scrape s, List<Family> families, TextFormat format, OutputStream stream)
            throws IOException {
        Utf8Out out = new Utf8Out(stream);
        TextPoints points = new TextPoints(out, format, s.vms().size());
        try {
            for (Family f : families) {
                points.family(f);
                RegistryFamilies.walk(f, s, points);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.flush();
    }
}
