package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.exporter.scrape.Scrape;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry's families as the Prometheus library's snapshots, for the formats the exporter
 * leaves to the library (protobuf, and the {@code name[]} and {@code debug} queries). It reads the
 * registry then and there, so what is served is never older than the registry itself. The text
 * formats do not come here: {@code exposition.ScrapeWriter} streams the same families.
 */
public final class RegistryCollector implements MultiCollector {

    private final RegistryScraper scraper;
    private final ExportOptions options;

    public RegistryCollector(RegistryScraper scraper, ExportOptions options) {
        this.scraper = scraper;
        this.options = options;
    }

    @Override
    public MetricSnapshots collect() {
        return scraper.scrape(this::snapshots);
    }

    private MetricSnapshots snapshots(Scrape s) {
        List<MetricSnapshot> out = new ArrayList<>();
        for (Family f : RegistryFamilies.of(s, options)) {
            SnapshotPoints points = new SnapshotPoints(f);
            RegistryFamilies.walk(f, s, points);
            MetricSnapshot snapshot = points.snapshot();
            if (snapshot != null) {
                out.add(snapshot);
            }
        }
        return new MetricSnapshots(out);
    }
}
