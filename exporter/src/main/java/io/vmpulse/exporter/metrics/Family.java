package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * One metric family being filled during a scrape: its name, type, unit and help, and the data
 * points added so far. A family with no data point is left out of the scrape, so a field whose
 * presence bit is clear yields no series at all.
 */
final class Family {

    enum Type {
        COUNTER,
        GAUGE,
        INFO
    }

    private final Type type;
    private final CounterSnapshot.Builder counter;
    private final GaugeSnapshot.Builder gauge;
    private final InfoSnapshot.Builder info;
    private int points;

    private Family(Type type, String name, String help, Unit unit) {
        this.type = type;
        switch (type) {
            case COUNTER -> {
                counter = CounterSnapshot.builder().name(name).help(help);
                gauge = null;
                info = null;
                if (unit != null) {
                    counter.unit(unit);
                }
            }
            case GAUGE -> {
                gauge = GaugeSnapshot.builder().name(name).help(help);
                counter = null;
                info = null;
                if (unit != null) {
                    gauge.unit(unit);
                }
            }
            default -> {
                info = InfoSnapshot.builder().name(name).help(help);
                counter = null;
                gauge = null;
            }
        }
    }

    /** A counter; {@code name} without {@code _total}, which the exposition formats add. */
    static Family counter(String name, String help, Unit unit) {
        return new Family(Type.COUNTER, name, help, unit);
    }

    static Family gauge(String name, String help, Unit unit) {
        return new Family(Type.GAUGE, name, help, unit);
    }

    static Family gauge(String name, String help) {
        return new Family(Type.GAUGE, name, help, null);
    }

    /** An info metric ({@code name_info 1}); {@code name} without {@code _info}. */
    static Family info(String name, String help) {
        return new Family(Type.INFO, name, help, null);
    }

    void add(Labels labels, double value) {
        points++;
        switch (type) {
            case COUNTER ->
                    counter.dataPoint(new CounterDataPointSnapshot(value, labels, null, 0L));
            case GAUGE -> gauge.dataPoint(new GaugeDataPointSnapshot(value, labels, null));
            default -> info.dataPoint(new InfoDataPointSnapshot(labels));
        }
    }

    /**
     * A data point labelled {@code vm} plus {@code name=value}, a label whose values are few (see
     * {@link Fragments}).
     */
    void add(Labels vm, String name, String value, double v) {
        add(vm.merge(Fragments.of(name, value)), v);
    }

    void add(Labels vm, String name1, String value1, String name2, String value2, double v) {
        add(vm.merge(Fragments.of(name1, value1, name2, value2)), v);
    }

    /** The snapshot to expose, or null when nothing was added. */
    MetricSnapshot snapshot() {
        if (points == 0) {
            return null;
        }
        return switch (type) {
            case COUNTER -> counter.build();
            case GAUGE -> gauge.build();
            default -> info.build();
        };
    }
}
