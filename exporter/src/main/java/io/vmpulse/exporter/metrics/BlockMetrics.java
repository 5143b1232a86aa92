package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The VM's block devices as the VMM counts them on the host, named as node_exporter names disks.
 * Per device ({@code device} = the hypervisor's drive id) where the registry lists devices (ABI
 * 1.3), otherwise the VM's totals without a {@code device} label.
 */
final class BlockMetrics implements VmMetricGroup {

    private final Family readBytes =
            Family.counter(
                    "vmpulse_block_read_bytes",
                    "Bytes the VM read from its block devices (host-side VMM counters).",
                    Unit.BYTES);
    private final Family writtenBytes =
            Family.counter(
                    "vmpulse_block_written_bytes",
                    "Bytes the VM wrote to its block devices (host-side VMM counters).",
                    Unit.BYTES);
    private final Family reads =
            Family.counter(
                    "vmpulse_block_reads_completed",
                    "Read operations the VM completed on its block devices.",
                    null);
    private final Family writes =
            Family.counter(
                    "vmpulse_block_writes_completed",
                    "Write operations the VM completed on its block devices.",
                    null);
    private final Family omitted =
            Family.gauge(
                    "vmpulse_block_devices_omitted",
                    "Block devices beyond the registry's per-device list, not exported per device.");

    private final RecordField[] total = new RecordField[4];
    private final RecordField[] each = new RecordField[4];
    private final RecordField count;
    private final RecordField omittedCount;
    private final RecordField name;

    BlockMetrics(Scrape s) {
        String[] totals = {
            "disk_read_bytes", "disk_write_bytes", "disk_read_ops", "disk_write_ops"
        };
        String[] members = {
            "disk.read_bytes", "disk.write_bytes", "disk.read_ops", "disk.write_ops"
        };
        for (int i = 0; i < 4; i++) {
            total[i] = s.field(totals[i]);
            each[i] = s.field(members[i]);
        }
        count = s.field("disk_count");
        omittedCount = s.field("disk_omitted");
        name = s.field("disk.name");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_HOST_BLOCK)) {
            return;
        }
        boolean ops = vm.present(RecordFlags.PRESENT_HOST_DISK_OPS);
        int listed =
                count == null || name == null ? 0 : (int) Math.min(vm.u32(count), name.count());
        if (listed == 0) {
            add(vm, vmLabels, total, 0, ops);
            return;
        }
        if (omittedCount != null) {
            omitted.add(vmLabels, vm.u32(omittedCount));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < listed; i++) {
            String device = LabelValues.clean(vm.text(name, i));
            if (seen.add(device)) {
                add(vm, vmLabels.add("device", device), each, i, ops);
            }
        }
    }

    private void add(ScrapedVm vm, Labels l, RecordField[] f, int i, boolean ops) {
        Family[] fam = {readBytes, writtenBytes, reads, writes};
        for (int k = 0; k < 4; k++) {
            if (f[k] != null && (k < 2 || ops)) {
                fam[k].add(l, Values.unsigned(vm.u64(f[k], i)));
            }
        }
    }

    @Override
    public List<Family> families() {
        return List.of(readBytes, writtenBytes, reads, writes, omitted);
    }
}
