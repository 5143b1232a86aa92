package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's block devices as the VMM counts them on the host, named as node_exporter names disks.
 * Per device ({@code device} = the hypervisor's drive id) where the registry lists devices (ABI
 * 1.3), otherwise the VM's totals without a {@code device} label.
 */
final class BlockMetrics implements VmMetricGroup {

    private final Scrape scrape;
    private final DeviceList devices;
    private final RecordField omittedCount;

    BlockMetrics(Scrape s) {
        scrape = s;
        devices = new DeviceList(s.field("disk_count"), s.field("disk.name"));
        omittedCount = s.field("disk_omitted");
    }

    @Override
    public List<Family> families() {
        return List.of(
                counter(
                        "vmpulse_block_read_bytes",
                        "Bytes the VM read from its block devices (host-side VMM counters).",
                        Unit.BYTES,
                        "read_bytes",
                        0),
                counter(
                        "vmpulse_block_written_bytes",
                        "Bytes the VM wrote to its block devices (host-side VMM counters).",
                        Unit.BYTES,
                        "write_bytes",
                        0),
                counter(
                        "vmpulse_block_reads_completed",
                        "Read operations the VM completed on its block devices.",
                        null,
                        "read_ops",
                        RecordFlags.PRESENT_HOST_DISK_OPS),
                counter(
                        "vmpulse_block_writes_completed",
                        "Write operations the VM completed on its block devices.",
                        null,
                        "write_ops",
                        RecordFlags.PRESENT_HOST_DISK_OPS),
                Family.gauge(
                        "vmpulse_block_devices_omitted",
                        "Block devices beyond the registry's per-device list, not exported per device.",
                        (vm, out) -> {
                            if (vm.present(RecordFlags.PRESENT_HOST_BLOCK)
                                    && devices.listed(vm) > 0
                                    && omittedCount != null) {
                                out.add(vm.u32(omittedCount));
                            }
                        }));
    }

    /** {@code field}: the registry's name after {@code disk_} (totals) or {@code disk.}. */
    private Family counter(String name, String help, Unit unit, String field, long needs) {
        RecordField total = scrape.field("disk_" + field);
        RecordField each = scrape.field("disk." + field);
        return Family.counter(name, help, unit, (vm, out) -> points(vm, out, total, each, needs));
    }

    private void points(ScrapedVm vm, Points out, RecordField total, RecordField each, long needs) {
        if (!vm.present(RecordFlags.PRESENT_HOST_BLOCK | needs)) {
            return;
        }
        int listed = devices.listed(vm);
        if (listed == 0) {
            if (total != null) {
                out.add(Values.unsigned(vm.u64(total)));
            }
            return;
        }
        for (int i = 0; i < listed && each != null; i++) {
            String device = devices.label(vm, i);
            if (devices.firstOf(vm, device, i)) {
                out.add("device", device, Values.unsigned(vm.u64(each, i)));
            }
        }
    }
}
