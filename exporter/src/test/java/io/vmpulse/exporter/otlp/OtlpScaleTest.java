package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The SDK's default cardinality limit is 2,000 series per instrument, past which a MeterProvider
 * folds new series into one carrying {@code otel.metric.overflow=true}. The push builds its
 * MetricData without instruments, so no limit applies; this proves it with more VMs than that.
 */
class OtlpScaleTest {

    static final int VMS = 2_100;

    @Test
    void more_than_2000_vms_arrive_each_under_its_own_resource_without_an_overflow_series()
            throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        try (TestRegistry reg = new TestRegistry(VMS);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher =
                        new OtlpPusher(
                                reg.path, OtlpSettings.of(rx.endpoint(), Duration.ofHours(1)))) {
            for (int i = 0; i < VMS; i++) {
                reg.publish("vm-" + i, new FilledVm(i, now).record);
            }
            assertTrue(pusher.pushOnce());
            List<OtlpReceiver.Received> requests = rx.drain();
            assertEquals(
                    (VMS + OtlpPusher.VMS_PER_REQUEST - 1) / OtlpPusher.VMS_PER_REQUEST,
                    requests.size(),
                    "one push, sent as requests of " + OtlpPusher.VMS_PER_REQUEST + " VMs");

            Set<String> hosts = new HashSet<>();
            Map<String, Integer> seriesPerMetric = new HashMap<>();
            for (OtlpReceiver.Received got : requests) {
                ExportMetricsServiceRequest req = got.request();
                assertTrue(req.getResourceMetricsCount() <= OtlpPusher.VMS_PER_REQUEST);
                for (ResourceMetrics rm : req.getResourceMetricsList()) {
                    noOverflow(rm.getResource().getAttributesList());
                    String host =
                            ReceivedPoints.attributes(rm.getResource().getAttributesList())
                                    .get("host.id");
                    assertTrue(hosts.add(host), "VM " + host + " twice");
                    for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                        for (Metric m : sm.getMetricsList()) {
                            List<NumberDataPoint> pts =
                                    m.hasSum()
                                            ? m.getSum().getDataPointsList()
                                            : m.getGauge().getDataPointsList();
                            for (NumberDataPoint p : pts) {
                                noOverflow(p.getAttributesList());
                            }
                            seriesPerMetric.merge(m.getName(), pts.size(), Integer::sum);
                        }
                    }
                }
            }
            for (int i = 0; i < VMS; i++) {
                assertTrue(hosts.contains("vm-" + i), "vm-" + i + " missing");
            }
            assertEquals(VMS, hosts.size());
            // 8 modes of 2 CPUs per VM: far past the 2,000 a MeterProvider instrument would keep.
            assertEquals(VMS * 2 * 8, seriesPerMetric.get("system.cpu.time"));
            assertEquals(VMS * 9, seriesPerMetric.get("system.filesystem.usage"));
        }
    }

    private static void noOverflow(List<KeyValue> attrs) {
        for (KeyValue kv : attrs) {
            assertNotEquals("otel.metric.overflow", kv.getKey());
        }
    }
}
