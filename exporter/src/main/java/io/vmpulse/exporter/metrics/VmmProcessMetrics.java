package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VMM process on the host ({@code /proc/PID/stat}, {@code smaps_rollup}): what running the VM
 * costs the host, beyond the guest's own view.
 */
final class VmmProcessMetrics implements VmMetricGroup {

    private final RecordField cpuUserNs;
    private final RecordField cpuSystemNs;
    private final RecordField rssBytes;
    private final RecordField pssBytes;
    private final RecordField threadCount;
    private final RecordField skipped;

    VmmProcessMetrics(Scrape s) {
        cpuUserNs = s.field("vmm_cpu_user_ns");
        cpuSystemNs = s.field("vmm_cpu_system_ns");
        rssBytes = s.field("vmm_rss_bytes");
        pssBytes = s.field("vmm_pss_bytes");
        threadCount = s.field("vmm_threads");
        skipped = s.field("metrics_lines_skipped");
    }

    @Override
    public List<Family> families() {
        return List.of(
                Family.counter(
                        "vmpulse_vmm_cpu_seconds",
                        "CPU seconds of the whole VMM process by mode (host /proc/PID/stat utime and stime).",
                        Unit.SECONDS,
                        (vm, out) -> {
                            // A registry older than ABI 1.4 does not split them: no series.
                            if (cpuUserNs != null
                                    && cpuSystemNs != null
                                    && vm.present(RecordFlags.PRESENT_HOST_PROCESS)) {
                                out.add("mode", "system", Values.seconds(vm.u64(cpuSystemNs)));
                                out.add("mode", "user", Values.seconds(vm.u64(cpuUserNs)));
                            }
                        }),
                gauge(
                        "vmpulse_vmm_resident_memory_bytes",
                        "Resident memory of the VMM process (host smaps_rollup Rss).",
                        Unit.BYTES,
                        rssBytes),
                gauge(
                        "vmpulse_vmm_proportional_memory_bytes",
                        "Proportional set size of the VMM process (host smaps_rollup Pss): shared pages divided among their users.",
                        Unit.BYTES,
                        pssBytes),
                gauge("vmpulse_vmm_threads", "Threads of the VMM process.", null, threadCount),
                Family.counter(
                        "vmpulse_vmm_metrics_lines_skipped",
                        "Firecracker metrics lines the collector could not parse and skipped; their deltas are lost.",
                        null,
                        (vm, out) -> {
                            if (skipped != null) { // in no presence group
                                out.add(Values.unsigned(vm.u64(skipped)));
                            }
                        }));
    }

    private static Family gauge(String name, String help, Unit unit, RecordField field) {
        return Family.gauge(
                name,
                help,
                unit,
                (vm, out) -> {
                    if (field != null && vm.present(RecordFlags.PRESENT_HOST_PROCESS)) {
                        out.add(Values.unsigned(vm.u64(field)));
                    }
                });
    }
}
