package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VMM's vCPU threads as the host scheduler saw them ({@code /proc/PID/task/TID/schedstat}):
 * time on a CPU, and time runnable but waiting for one, which the guest later sees as steal.
 */
final class VcpuMetrics implements VmMetricGroup {

    private final Family run =
            Family.counter(
                    "vmpulse_vcpu_run_seconds",
                    "Seconds the vCPU thread ran on a host CPU (host schedstat).",
                    Unit.SECONDS);
    private final Family wait =
            Family.counter(
                    "vmpulse_vcpu_runqueue_wait_seconds",
                    "Seconds the vCPU thread was runnable but waited for a host CPU (host schedstat); the guest sees this as steal.",
                    Unit.SECONDS);
    private final Family vcpus =
            Family.gauge(
                    "vmpulse_vcpus",
                    "vCPU threads found in the VMM process (per-vCPU series cover the first 32).");

    private final RecordField count;
    private final RecordField runEach;
    private final RecordField waitEach;

    VcpuMetrics(Scrape s) {
        count = s.field("vcpu_count");
        runEach = s.field("vcpu.run_ns");
        waitEach = s.field("vcpu.wait_ns");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_HOST_VCPU) || count == null) {
            return;
        }
        long threads = vm.u32(count);
        vcpus.add(vmLabels, threads);
        if (runEach == null || waitEach == null) {
            return;
        }
        int listed = (int) Math.min(threads, runEach.count());
        for (int i = 0; i < listed; i++) {
            Labels l = vmLabels.merge(Fragments.of("vcpu", Integer.toString(i)));
            run.add(l, Values.seconds(vm.u64(runEach, i)));
            wait.add(l, Values.seconds(vm.u64(waitEach, i)));
        }
    }

    @Override
    public List<Family> families() {
        return List.of(run, wait, vcpus);
    }
}
