package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's cgroup on the host (cgroup v2 cpu.stat, memory.current, io.stat), named as cAdvisor
 * does.
 */
final class CgroupMetrics implements VmMetricGroup {

    private final Scrape scrape;

    CgroupMetrics(Scrape s) {
        scrape = s;
    }

    @Override
    public List<Family> families() {
        RecordField cpuNs = scrape.field("cgroup_cpu_ns");
        return List.of(
                Family.counter(
                        "vmpulse_cgroup_cpu_usage_seconds",
                        "CPU seconds used by the VM's host cgroup (cpu.stat usage_usec).",
                        Unit.SECONDS,
                        (vm, out) -> {
                            if (cpuNs != null && vm.present(RecordFlags.PRESENT_HOST_CGROUP)) {
                                out.add(Values.seconds(vm.u64(cpuNs)));
                            }
                        }),
                Family.gauge(
                        "vmpulse_cgroup_memory_usage_bytes",
                        "Memory charged to the VM's host cgroup (memory.current).",
                        Unit.BYTES,
                        bytes("cgroup_memory_bytes")),
                Family.counter(
                        "vmpulse_cgroup_io_read_bytes",
                        "Bytes read by the VM's host cgroup (io.stat rbytes).",
                        Unit.BYTES,
                        bytes("cgroup_io_read_bytes")),
                Family.counter(
                        "vmpulse_cgroup_io_written_bytes",
                        "Bytes written by the VM's host cgroup (io.stat wbytes).",
                        Unit.BYTES,
                        bytes("cgroup_io_write_bytes")));
    }

    private Family.Source bytes(String fieldName) {
        RecordField field = scrape.field(fieldName);
        return (vm, out) -> {
            if (field != null && vm.present(RecordFlags.PRESENT_HOST_CGROUP)) {
                out.add(Values.unsigned(vm.u64(field)));
            }
        };
    }
}
