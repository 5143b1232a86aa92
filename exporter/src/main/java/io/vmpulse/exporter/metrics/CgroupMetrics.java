package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's cgroup on the host (cgroup v2 cpu.stat, memory.current, io.stat), named as cAdvisor
 * does.
 */
final class CgroupMetrics implements VmMetricGroup {

    private final Family cpu =
            Family.counter(
                    "vmpulse_cgroup_cpu_usage_seconds",
                    "CPU seconds used by the VM's host cgroup (cpu.stat usage_usec).",
                    Unit.SECONDS);
    private final Family memory =
            Family.gauge(
                    "vmpulse_cgroup_memory_usage_bytes",
                    "Memory charged to the VM's host cgroup (memory.current).",
                    Unit.BYTES);
    private final Family read =
            Family.counter(
                    "vmpulse_cgroup_io_read_bytes",
                    "Bytes read by the VM's host cgroup (io.stat rbytes).",
                    Unit.BYTES);
    private final Family written =
            Family.counter(
                    "vmpulse_cgroup_io_written_bytes",
                    "Bytes written by the VM's host cgroup (io.stat wbytes).",
                    Unit.BYTES);

    private final RecordField cpuNs;
    private final RecordField memoryBytes;
    private final RecordField readBytes;
    private final RecordField writeBytes;

    CgroupMetrics(Scrape s) {
        cpuNs = s.field("cgroup_cpu_ns");
        memoryBytes = s.field("cgroup_memory_bytes");
        readBytes = s.field("cgroup_io_read_bytes");
        writeBytes = s.field("cgroup_io_write_bytes");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_HOST_CGROUP)) {
            return;
        }
        if (cpuNs != null) {
            cpu.add(vmLabels, Values.seconds(vm.u64(cpuNs)));
        }
        if (memoryBytes != null) {
            memory.add(vmLabels, Values.unsigned(vm.u64(memoryBytes)));
        }
        if (readBytes != null) {
            read.add(vmLabels, Values.unsigned(vm.u64(readBytes)));
        }
        if (writeBytes != null) {
            written.add(vmLabels, Values.unsigned(vm.u64(writeBytes)));
        }
    }

    @Override
    public List<Family> families() {
        return List.of(cpu, memory, read, written);
    }
}
