package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VMM process on the host ({@code /proc/PID/stat}, {@code smaps_rollup}): what running the VM
 * costs the host, beyond the guest's own view.
 */
final class VmmProcessMetrics implements VmMetricGroup {

    private final Family cpu =
            Family.counter(
                    "vmpulse_vmm_cpu_seconds",
                    "CPU seconds of the whole VMM process, user and system together (host /proc/PID/stat utime+stime; the registry does not split them).",
                    Unit.SECONDS);
    private final Family rss =
            Family.gauge(
                    "vmpulse_vmm_resident_memory_bytes",
                    "Resident memory of the VMM process (host smaps_rollup Rss).",
                    Unit.BYTES);
    private final Family pss =
            Family.gauge(
                    "vmpulse_vmm_proportional_memory_bytes",
                    "Proportional set size of the VMM process (host smaps_rollup Pss): shared pages divided among their users.",
                    Unit.BYTES);
    private final Family threads =
            Family.gauge("vmpulse_vmm_threads", "Threads of the VMM process.");
    private final Family linesSkipped =
            Family.counter(
                    "vmpulse_vmm_metrics_lines_skipped",
                    "Firecracker metrics lines the collector could not parse and skipped; their deltas are lost.",
                    null);

    private final RecordField cpuNs;
    private final RecordField rssBytes;
    private final RecordField pssBytes;
    private final RecordField threadCount;
    private final RecordField skipped;

    VmmProcessMetrics(Scrape s) {
        cpuNs = s.field("vmm_cpu_ns");
        rssBytes = s.field("vmm_rss_bytes");
        pssBytes = s.field("vmm_pss_bytes");
        threadCount = s.field("vmm_threads");
        skipped = s.field("metrics_lines_skipped");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (skipped != null) {
            linesSkipped.add(vmLabels, Values.unsigned(vm.u64(skipped))); // in no presence group
        }
        if (!vm.present(RecordFlags.PRESENT_HOST_PROCESS)) {
            return;
        }
        if (cpuNs != null) {
            cpu.add(vmLabels, Values.seconds(vm.u64(cpuNs)));
        }
        if (rssBytes != null) {
            rss.add(vmLabels, Values.unsigned(vm.u64(rssBytes)));
        }
        if (pssBytes != null) {
            pss.add(vmLabels, Values.unsigned(vm.u64(pssBytes)));
        }
        if (threadCount != null) {
            threads.add(vmLabels, Values.unsigned(vm.u64(threadCount)));
        }
    }

    @Override
    public List<Family> families() {
        return List.of(cpu, rss, pss, threads, linesSkipped);
    }
}
