package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.vmpulse.exporter.scrape.ScrapedVm;
import java.util.List;

/**
 * The families of one part of a VM's record, filled VM by VM during one scrape. Each group looks
 * its fields up by name in the scrape's field directory when it is made, so a field the writer's
 * ABI version lacks yields no series.
 */
interface VmMetricGroup {

    /** Adds {@code vm}'s data points; {@code vmLabels} holds its {@code vm_id}. */
    void collect(ScrapedVm vm, Labels vmLabels);

    List<Family> families();
}
