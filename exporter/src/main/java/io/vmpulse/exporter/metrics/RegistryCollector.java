package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one read of the registry into the scrape's metric families. Called by the Prometheus
 * library on every scrape: it reads the registry then and there, so what is served is never older
 * than the registry itself.
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
        RegistryHealthMetrics health = new RegistryHealthMetrics();
        health.collect(s);
        List<Family> families = new ArrayList<>(health.families());
        if (s.open()) {
            List<VmMetricGroup> groups =
                    List.of(
                            new VmFreshnessMetrics(s, options),
                            new VmIdentityMetrics(s, options),
                            new VmIngestMetrics(s),
                            new GuestCpuMetrics(s),
                            new GuestSystemMetrics(s),
                            new GuestMemoryMetrics(s),
                            new GuestFilesystemMetrics(s),
                            new VcpuMetrics(s),
                            new VmmProcessMetrics(s),
                            new CgroupMetrics(s),
                            new BlockMetrics(s),
                            new NetworkMetrics(s),
                            new BalloonMetrics(s));
            for (ScrapedVm vm : s.vms()) {
                Labels vmLabels = Labels.of("vm_id", LabelValues.clean(vm.vmId()));
                for (VmMetricGroup g : groups) {
                    g.collect(vm, vmLabels);
                }
            }
            for (VmMetricGroup g : groups) {
                families.addAll(g.families());
            }
        }
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (Family f : families) {
            MetricSnapshot snapshot = f.snapshot();
            if (snapshot != null) {
                out.add(snapshot);
            }
        }
        return new MetricSnapshots(out);
    }
}
