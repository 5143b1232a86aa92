package io.vmpulse.exporter.metrics;

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

    /** The {@code vcpu} label of each listed vCPU, made once. */
    private static final String[] VCPU_NAMES = new String[256];

    static {
        for (int i = 0; i < VCPU_NAMES.length; i++) {
            VCPU_NAMES[i] = Integer.toString(i);
        }
    }

    private final RecordField count;
    private final RecordField runEach;
    private final RecordField waitEach;

    VcpuMetrics(Scrape s) {
        count = s.field("vcpu_count");
        runEach = s.field("vcpu.run_ns");
        waitEach = s.field("vcpu.wait_ns");
    }

    @Override
    public List<Family> families() {
        return List.of(
                Family.counter(
                        "vmpulse_vcpu_run_seconds",
                        "Seconds the vCPU thread ran on a host CPU (host schedstat).",
                        Unit.SECONDS,
                        (vm, out) -> each(vm, out, runEach)),
                Family.counter(
                        "vmpulse_vcpu_runqueue_wait_seconds",
                        "Seconds the vCPU thread was runnable but waited for a host CPU (host schedstat); the guest sees this as steal.",
                        Unit.SECONDS,
                        (vm, out) -> each(vm, out, waitEach)),
                Family.gauge(
                        "vmpulse_vcpus",
                        "vCPU threads found in the VMM process (per-vCPU series cover the first 32).",
                        (vm, out) -> {
                            if (present(vm)) {
                                out.add(vm.u32(count));
                            }
                        }));
    }

    private boolean present(ScrapedVm vm) {
        return vm.present(RecordFlags.PRESENT_HOST_VCPU) && count != null;
    }

    private void each(ScrapedVm vm, Points out, RecordField field) {
        if (!present(vm) || runEach == null || waitEach == null) {
            return;
        }
        int listed = (int) Math.min(vm.u32(count), field.count());
        for (int i = 0; i < listed; i++) {
            String vcpu = i < VCPU_NAMES.length ? VCPU_NAMES[i] : Integer.toString(i);
            out.add("vcpu", vcpu, Values.seconds(vm.u64(field, i)));
        }
    }
}
