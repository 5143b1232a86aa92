package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/** The rest of the guest's {@code /proc/stat}: context switches, forks, processes, boot time. */
final class GuestSystemMetrics implements VmMetricGroup {

    private final Family contextSwitches =
            Family.counter(
                    "vmpulse_guest_context_switches",
                    "Context switches in the guest (guest /proc/stat ctxt).",
                    null);
    private final Family forks =
            Family.counter(
                    "vmpulse_guest_forks",
                    "Processes created in the guest (guest /proc/stat processes).",
                    null);
    private final Family running =
            Family.gauge(
                    "vmpulse_guest_procs_running", "Processes in a runnable state in the guest.");
    private final Family blocked =
            Family.gauge(
                    "vmpulse_guest_procs_blocked",
                    "Processes blocked waiting for I/O in the guest.");
    private final Family bootTime =
            Family.gauge(
                    "vmpulse_guest_boot_time_seconds",
                    "Guest boot time, seconds since the Unix epoch, by the guest's clock (guest /proc/stat btime).",
                    Unit.SECONDS);

    private final RecordField ctxt;
    private final RecordField processes;
    private final RecordField procsRunning;
    private final RecordField procsBlocked;
    private final RecordField btime;

    GuestSystemMetrics(Scrape s) {
        ctxt = s.field("cpu_ctxt");
        processes = s.field("cpu_forks");
        procsRunning = s.field("procs_running");
        procsBlocked = s.field("procs_blocked");
        btime = s.field("boot_time_unix_s");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_GUEST_CPU)) {
            return;
        }
        if (ctxt != null) {
            contextSwitches.add(vmLabels, Values.unsigned(vm.u64(ctxt)));
        }
        if (processes != null) {
            forks.add(vmLabels, Values.unsigned(vm.u64(processes)));
        }
        if (procsRunning != null) {
            running.add(vmLabels, vm.u32(procsRunning));
        }
        if (procsBlocked != null) {
            blocked.add(vmLabels, vm.u32(procsBlocked));
        }
        if (btime != null) {
            bootTime.add(vmLabels, vm.u64(btime)); // i64
        }
    }

    @Override
    public List<Family> families() {
        return List.of(contextSwitches, forks, running, blocked, bootTime);
    }
}
