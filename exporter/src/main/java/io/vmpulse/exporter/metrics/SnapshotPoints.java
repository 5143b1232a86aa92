package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.vmpulse.exporter.scrape.ScrapedVm;
import java.util.ArrayList;
import java.util.List;

/**
 * A family's points as the Prometheus library's snapshot of it: one object per point, for the
 * library's own writers (protobuf). The library sorts the points and refuses a label set seen
 * twice.
 */
final class SnapshotPoints implements VmPoints {

    private final Family family;
    private final List<Labels> labels = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();
    private String vmId;

    SnapshotPoints(Family family) {
        this.family = family;
    }

    @Override
    public void vm(int index, ScrapedVm vm) {
        vmId = vm == null ? null : LabelValues.clean(vm.vmId());
    }

    @Override
    public void add(double value) {
        add(new String[0], new String[0], value);
    }

    @Override
    public void add(String name, String value, double v) {
        add(new String[] {name}, new String[] {value}, v);
    }

    @Override
    public void add(String name1, String value1, String name2, String value2, double v) {
        add(new String[] {name1, name2}, new String[] {value1, value2}, v);
    }

    @Override
    public void add(String[] names, String[] values, double v) {
        Labels l = Labels.of(names.clone(), values.clone());
        labels.add(vmId == null ? l : l.add("vm_id", vmId));
        this.values.add(v);
    }

    /** The snapshot to expose, or null when no point was added. */
    MetricSnapshot snapshot() {
        if (labels.isEmpty()) {
            return null;
        }
        String name = family.name();
        String help = family.help();
        switch (family.type()) {
            case COUNTER -> {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
                if (family.unit() != null) {
                    b.unit(family.unit());
                }
                for (int i = 0; i < labels.size(); i++) {
                    b.dataPoint(
                            new CounterDataPointSnapshot(values.get(i), labels.get(i), null, 0L));
                }
                return b.build();
            }
            case GAUGE -> {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
                if (family.unit() != null) {
                    b.unit(family.unit());
                }
                for (int i = 0; i < labels.size(); i++) {
                    b.dataPoint(new GaugeDataPointSnapshot(values.get(i), labels.get(i), null));
                }
                return b.build();
            }
            default -> {
                InfoSnapshot.Builder b = InfoSnapshot.builder().name(name).help(help);
                for (Labels l : labels) {
                    b.dataPoint(new InfoDataPointSnapshot(l));
                }
                return b.build();
            }
        }
    }
}
