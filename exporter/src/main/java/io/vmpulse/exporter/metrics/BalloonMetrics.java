package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.ArrayList;
import java.util.List;

/** The balloon device, where the VMM has one and reports it (Firecracker's balloon statistics). */
final class BalloonMetrics implements VmMetricGroup {

    private static final String[][] SOURCES = {
        {"balloon_target_bytes", "target", "Memory the VMM asked the guest's balloon to hold."},
        {"balloon_actual_bytes", "actual", "Memory the guest's balloon holds now."},
        {"balloon_free_bytes", "free", "Free memory as the guest's balloon driver reports it."},
        {"balloon_total_bytes", "total", "Total memory as the guest's balloon driver reports it."},
        {
            "balloon_available_bytes",
            "available",
            "Available memory as the guest's balloon driver reports it."
        },
    };

    private final List<Family> families = new ArrayList<>();

    BalloonMetrics(Scrape s) {
        for (String[] src : SOURCES) {
            RecordField f = s.field(src[0]);
            if (f != null) {
                families.add(
                        Family.gauge(
                                "vmpulse_balloon_" + src[1] + "_bytes",
                                src[2],
                                Unit.BYTES,
                                (vm, out) -> {
                                    if (vm.present(RecordFlags.PRESENT_HOST_BALLOON)) {
                                        out.add(Values.unsigned(vm.u64(f)));
                                    }
                                }));
            }
        }
    }

    @Override
    public List<Family> families() {
        return families;
    }
}
