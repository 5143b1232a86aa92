package io.vmpulse.exporter.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a receiver got, flattened: per VM (host.id), every point under "name{k=v,...}". */
final class ReceivedPoints {

    /** One decoded point with what its metric said about it. */
    record Point(
            String unit, String type, boolean monotonic, Object value, long start, long time) {}

    final Map<String, Map<String, String>> resources = new TreeMap<>();
    final Map<String, Map<String, Point>> byVm = new TreeMap<>();

    ReceivedPoints(List<ExportMetricsServiceRequest> requests) {
        for (ExportMetricsServiceRequest req : requests) {
            for (ResourceMetrics rm : req.getResourceMetricsList()) {
                Map<String, String> attrs = attributes(rm.getResource().getAttributesList());
                String vm = attrs.get("host.id");
                if (vm == null) {
                    throw new AssertionError("a resource without host.id: " + attrs);
                }
                if (resources.put(vm, attrs) != null) {
                    throw new AssertionError("VM " + vm + " sent under two resources in one push");
                }
                Map<String, Point> points = byVm.computeIfAbsent(vm, k -> new TreeMap<>());
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        add(points, m);
                    }
                }
            }
        }
    }

    private static void add(Map<String, Point> out, Metric m) {
        List<NumberDataPoint> pts;
        String type;
        boolean monotonic = false;
        switch (m.getDataCase()) {
            case SUM -> {
                if (m.getSum().getAggregationTemporality()
                        != io.opentelemetry.proto.metrics.v1.AggregationTemporality
                                .AGGREGATION_TEMPORALITY_CUMULATIVE) {
                    throw new AssertionError(m.getName() + " is not cumulative");
                }
                pts = m.getSum().getDataPointsList();
                monotonic = m.getSum().getIsMonotonic();
                type = "sum";
            }
            case GAUGE -> {
                pts = m.getGauge().getDataPointsList();
                type = "gauge";
            }
            default -> throw new AssertionError(m.getName() + " is a " + m.getDataCase());
        }
        for (NumberDataPoint p : pts) {
            Object v =
                    p.getValueCase() == NumberDataPoint.ValueCase.AS_DOUBLE
                            ? (Object) p.getAsDouble()
                            : (Object) p.getAsInt();
            String key = m.getName() + attributes(p.getAttributesList());
            if (out.put(
                            key,
                            new Point(
                                    m.getUnit(),
                                    type,
                                    monotonic,
                                    v,
                                    p.getStartTimeUnixNano(),
                                    p.getTimeUnixNano()))
                    != null) {
                throw new AssertionError("two points for " + key);
            }
        }
    }

    static Map<String, String> attributes(List<KeyValue> kvs) {
        Map<String, String> m = new TreeMap<>();
        for (KeyValue kv : kvs) {
            AnyValue v = kv.getValue();
            m.put(
                    kv.getKey(),
                    switch (v.getValueCase()) {
                        case STRING_VALUE -> v.getStringValue();
                        case INT_VALUE -> Long.toString(v.getIntValue());
                        default ->
                                throw new AssertionError(kv.getKey() + " is a " + v.getValueCase());
                    });
        }
        return m;
    }
}
