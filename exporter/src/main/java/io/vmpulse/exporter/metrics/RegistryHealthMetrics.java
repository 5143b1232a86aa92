package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import java.util.List;

/** The registry and its writer, the collector: is it there, alive, and how full. */
final class RegistryHealthMetrics {

    private static final String[] STATES = {"free", "live", "final"};

    private final Family up =
            Family.gauge(
                    "vmpulse_registry_up",
                    "1 when the exporter could open and read the registry in this scrape.");
    private final Family info =
            Family.info(
                    "vmpulse_registry", "The registry file and the ABI version its writer uses.");
    private final Family heartbeatAge =
            Family.gauge(
                    "vmpulse_collector_heartbeat_age_seconds",
                    "Seconds since the collector last advanced the registry's heartbeat (at least every 250 ms while its data path works).",
                    Unit.SECONDS);
    private final Family closed =
            Family.gauge(
                    "vmpulse_collector_closed",
                    "1 when the collector closed the registry cleanly (it stopped).");
    private final Family startTime =
            Family.gauge(
                    "vmpulse_collector_start_time_seconds",
                    "When the collector created the registry, seconds since the Unix epoch.",
                    Unit.SECONDS);
    private final Family slots =
            Family.gauge(
                    "vmpulse_registry_slots",
                    "Registry slots by state: free, live (a running VM), final (a VM gone, in its grace period).");
    private final Family unreadable =
            Family.gauge(
                    "vmpulse_registry_unreadable_slots",
                    "Slots of which no consistent copy could be read in this scrape (written without pause, or their writer died mid-write).");

    void collect(Scrape s) {
        up.add(Labels.EMPTY, s.open() ? 1 : 0);
        if (!s.open()) {
            return;
        }
        info.add(
                Labels.of(
                        "abi_version",
                        "1." + s.minorVersion(),
                        "path",
                        LabelValues.clean(s.path().toString())),
                1);
        heartbeatAge.add(Labels.EMPTY, s.heartbeatAgeSeconds());
        closed.add(Labels.EMPTY, s.writerClosed() ? 1 : 0);
        startTime.add(Labels.EMPTY, s.writerStartUnixNanos() / 1e9);
        for (int i = 0; i < STATES.length; i++) {
            slots.add(Labels.of("state", STATES[i]), s.slotsByState()[i]);
        }
        unreadable.add(Labels.EMPTY, s.unreadableSlots());
    }

    List<Family> families() {
        return List.of(up, info, heartbeatAge, closed, startTime, slots, unreadable);
    }
}
