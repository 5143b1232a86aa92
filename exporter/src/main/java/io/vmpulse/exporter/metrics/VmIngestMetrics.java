package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import java.util.ArrayList;
import java.util.List;

/**
 * What the collector refused, delayed or lost of a VM's guest stream, counted since the VM was
 * registered. These meta fields are in no presence group: a count of failures is always meaningful.
 */
final class VmIngestMetrics implements VmMetricGroup {

    private final List<Family> families = new ArrayList<>();

    VmIngestMetrics(Scrape s) {
        // Each reason's field as this registry's directory has it: null before ABI 1.4.
        List<RecordField> byReason = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (RecordField f : RecordFields.REJECTED_BY_REASON) {
            byReason.add(s.field(f.name()));
            reasons.add(f.name().substring("rejected_".length()));
        }
        families.add(
                Family.counter(
                        "vmpulse_vm_rejected_messages",
                        "Guest messages or connections the collector rejected, by reason: oversized (over the transport's message size limit), malformed (not a valid message), hello (a refused, repeated, missing or late hello), sample (a sample that failed its checks), connection (over the VM's connection cap, or peer credentials refused).",
                        null,
                        (vm, out) -> {
                            for (int i = 0; i < byReason.size(); i++) {
                                if (byReason.get(i) != null) {
                                    out.add(
                                            "reason",
                                            reasons.get(i),
                                            Values.unsigned(vm.u64(byReason.get(i))));
                                }
                            }
                        }));
        counter(
                s.field("throttled_messages"),
                "vmpulse_vm_throttled_messages",
                "Times the collector's per-VM rate limit delayed reading the guest's next message (the message is then read: not a reject).");
        counter(
                s.field("duplicate_samples"),
                "vmpulse_vm_duplicate_samples",
                "Guest samples received again (seq already published for this guest boot): acknowledged and dropped, never published twice.");
        counter(
                s.field("dropped_samples"),
                "vmpulse_vm_dropped_samples",
                "Guest samples lost: dropped by the agent's buffer or by the collector's rate limit.");
        counter(
                s.field("guest_restarts"),
                "vmpulse_guest_restarts",
                "Guest reboots seen (a new boot id; a restarted agent within one boot is not counted).");
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
