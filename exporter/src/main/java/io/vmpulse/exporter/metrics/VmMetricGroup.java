package io.vmpulse.exporter.metrics;

import java.util.List;

/**
 * The families of one part of a VM's record, made for one scrape. Each group looks its fields up by
 * name in the scrape's field directory when it is made, so a field the writer's ABI version lacks
 * yields no series.
 */
interface VmMetricGroup {

    List<Family> families();
}
