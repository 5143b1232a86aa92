package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's block devices as the VMM counts them on the host, named as node_exporter names disks.
 * Per device ({@code device} = the hypervisor's drive id) where the registry lists devices (ABI
 * 1.3), otherwise the VM's totals without a {@code device} label.
 */
final class BlockMetrics implements VmMetricGroup {

    private final DeviceList devices;

    BlockMetrics(Scrape s) {
        devices = new DeviceList(s, "disk", "disk_", "device", RecordFlags.PRESENT_HOST_BLOCK);
    }

    @Override
    public List<Family> families() {
        return List.of(
                devices.counter(
                        "vmpulse_block_read_bytes",
                        "Bytes the VM read from its block devices (host-side VMM counters).",
                        Unit.BYTES,
                        "read_bytes",
                        0),
                devices.counter(
                        "vmpulse_block_written_bytes",
                        "Bytes the VM wrote to its block devices (host-side VMM counters).",
                        Unit.BYTES,
                        "write_bytes",
                        0),
                devices.counter(
                        "vmpulse_block_reads_completed",
                        "Read operations the VM completed on its block devices.",
                        null,
                        "read_ops",
                        RecordFlags.PRESENT_HOST_DISK_OPS),
                devices.counter(
                        "vmpulse_block_writes_completed",
                        "Write operations the VM completed on its block devices.",
                        null,
                        "write_ops",
                        RecordFlags.PRESENT_HOST_DISK_OPS),
                devices.omitted(
                        "vmpulse_block_devices_omitted",
                        "Block devices beyond the registry's per-device list, not exported per device."));
    }
}
