package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import java.util.List;

/**
 * What the collector refused or lost of a VM's guest stream, counted since the VM was registered.
 * These meta fields are in no presence group: a count of failures is always meaningful.
 */
final class VmIngestMetrics implements VmMetricGroup {

    private final Family rejected =
            Family.counter(
                    "vmpulse_vm_rejected_messages",
                    "Guest messages the collector rejected in validation (the registry carries no reason).",
                    null);
    private final Family dropped =
            Family.counter(
                    "vmpulse_vm_dropped_samples",
                    "Guest samples lost: dropped by the agent's buffer or by the collector's rate limit.",
                    null);
    private final Family restarts =
            Family.counter(
                    "vmpulse_guest_restarts",
                    "Guest agent restarts or guest reboots seen (new boot id or agent instance).",
                    null);
    private final Family resets =
            Family.counter(
                    "vmpulse_guest_resets",
                    "Guest counters seen going backwards, each recorded as a reset (never as a negative rate).",
                    null);

    private final RecordField rejectedMessages;
    private final RecordField droppedSamples;
    private final RecordField guestRestarts;
    private final RecordField counterResets;

    VmIngestMetrics(Scrape s) {
        rejectedMessages = s.field("rejected_messages");
        droppedSamples = s.field("dropped_samples");
        guestRestarts = s.field("guest_restarts");
        counterResets = s.field("counter_resets");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        add(rejected, vm, vmLabels, rejectedMessages);
        add(dropped, vm, vmLabels, droppedSamples);
        add(restarts, vm, vmLabels, guestRestarts);
        add(resets, vm, vmLabels, counterResets);
    }

    private static void add(Family f, ScrapedVm vm, Labels l, RecordField field) {
        if (field != null) {
            f.add(l, Values.unsigned(vm.u64(field)));
        }
    }

    @Override
    public List<Family> families() {
        return List.of(rejected, dropped, restarts, resets);
    }
}
