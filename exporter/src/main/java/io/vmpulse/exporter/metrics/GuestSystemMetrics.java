package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;
import java.util.function.ToDoubleBiFunction;

/** The rest of the guest's {@code /proc/stat}: context switches, forks, processes, boot time. */
final class GuestSystemMetrics implements VmMetricGroup {

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
    public List<Family> families() {
        return List.of(
                Family.counter(
                        "vmpulse_guest_context_switches",
                        "Context switches in the guest (guest /proc/stat ctxt).",
                        null,
                        source(ctxt, (vm, f) -> Values.unsigned(vm.u64(f)))),
                Family.counter(
                        "vmpulse_guest_forks",
                        "Processes created in the guest (guest /proc/stat processes).",
                        null,
                        source(processes, (vm, f) -> Values.unsigned(vm.u64(f)))),
                Family.gauge(
                        "vmpulse_guest_procs_running",
                        "Processes in a runnable state in the guest.",
                        source(procsRunning, ScrapedVm::u32)),
                Family.gauge(
                        "vmpulse_guest_procs_blocked",
                        "Processes blocked waiting for I/O in the guest.",
                        source(procsBlocked, ScrapedVm::u32)),
                Family.gauge(
                        "vmpulse_guest_boot_time_seconds",
                        "Guest boot time, seconds since the Unix epoch, by the guest's clock (guest /proc/stat btime).",
                        Unit.SECONDS,
                        source(btime, ScrapedVm::u64))); // i64
    }

    private static Family.Source source(
            RecordField field, ToDoubleBiFunction<ScrapedVm, RecordField> value) {
        return (vm, out) -> {
            if (field != null && vm.present(RecordFlags.PRESENT_GUEST_CPU)) {
                out.add(value.applyAsDouble(vm, field));
            }
        };
    }
}
