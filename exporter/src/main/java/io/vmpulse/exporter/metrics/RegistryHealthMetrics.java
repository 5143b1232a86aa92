package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import java.util.List;

/** The registry and its writer, the collector: is it there, alive, and how full. */
final class RegistryHealthMetrics {

    private static final String[] STATES = {"free", "live", "final"};

    private RegistryHealthMetrics() {}

    /** The families of scrape {@code s}; all but {@code vmpulse_registry_up} need it open. */
    static List<Family> families(Scrape s) {
        return List.of(
                Family.gauge(
                                "vmpulse_registry_up",
                                "1 when the exporter could open and read the registry in this scrape.",
                                (none, out) -> out.add(s.open() ? 1 : 0))
                        .global(),
                Family.info(
                                "vmpulse_registry",
                                "The registry file and the ABI version its writer uses.",
                                (none, out) -> {
                                    if (s.open()) {
                                        out.add(
                                                "abi_version",
                                                "1." + s.minorVersion(),
                                                "path",
                                                LabelValues.clean(s.path().toString()),
                                                1);
                                    }
                                })
                        .global(),
                Family.gauge(
                                "vmpulse_collector_heartbeat_age_seconds",
                                "Seconds since the collector last advanced the registry's heartbeat (at least every 250 ms while its data path works).",
                                Unit.SECONDS,
                                whenOpen(s, (none, out) -> out.add(s.heartbeatAgeSeconds())))
                        .global(),
                Family.gauge(
                                "vmpulse_collector_closed",
                                "1 when the collector closed the registry cleanly (it stopped).",
                                whenOpen(s, (none, out) -> out.add(s.writerClosed() ? 1 : 0)))
                        .global(),
                Family.gauge(
                                "vmpulse_collector_start_time_seconds",
                                "When the collector created the registry, seconds since the Unix epoch.",
                                Unit.SECONDS,
                                whenOpen(s, (none, out) -> out.add(s.writerStartUnixNanos() / 1e9)))
                        .global(),
                Family.gauge(
                                "vmpulse_registry_slots",
                                "Registry slots by state: free, live (a running VM), final (a VM gone, in its grace period).",
                                whenOpen(
                                        s,
                                        (none, out) -> {
                                            for (int i = 0; i < STATES.length; i++) {
                                                out.add("state", STATES[i], s.slotsByState()[i]);
                                            }
                                        }))
                        .global(),
                Family.gauge(
                                "vmpulse_registry_unreadable_slots",
                                "Slots of which no consistent copy could be read in this scrape (written without pause, or their writer died mid-write).",
                                whenOpen(s, (none, out) -> out.add(s.unreadableSlots())))
                        .global());
    }

    /** {@code source}, while the registry is open; no point otherwise. */
    private static Family.Source whenOpen(Scrape s, Family.Source source) {
        return (none, out) -> {
            if (s.open()) {
                source.emit(none, out);
            }
        };
    }
}
