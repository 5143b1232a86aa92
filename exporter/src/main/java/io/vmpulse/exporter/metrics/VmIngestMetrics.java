package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import java.util.ArrayList;
import java.util.List;

/**
 * What the collector refused or lost of a VM's guest stream, counted since the VM was registered.
 * These meta fields are in no presence group: a count of failures is always meaningful.
 */
final class VmIngestMetrics implements VmMetricGroup {

    private final List<Family> families = new ArrayList<>();

    VmIngestMetrics(Scrape s) {
        counter(
                s.field("rejected_messages"),
                "vmpulse_vm_rejected_messages",
                "Guest messages the collector rejected in validation (the registry carries no reason).");
        counter(
                s.field("dropped_samples"),
                "vmpulse_vm_dropped_samples",
                "Guest samples lost: dropped by the agent's buffer or by the collector's rate limit.");
        counter(
                s.field("guest_restarts"),
                "vmpulse_guest_restarts",
                "Guest agent restarts or guest reboots seen (new boot id or agent instance).");
        counter(
                s.field("counter_resets"),
                "vmpulse_guest_resets",
                "Guest counters seen going backwards, each recorded as a reset (never as a negative rate).");
    }

    private void counter(RecordField field, String name, String help) {
        families.add(
                Family.counter(
                        name,
                        help,
                        null,
                        (vm, out) -> {
                            if (field != null) {
                                out.add(Values.unsigned(vm.u64(field)));
                            }
                        }));
    }

    @Override
    public List<Family> families() {
        return families;
    }
}
