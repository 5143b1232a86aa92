package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;

/**
 * A per-device list in a record (ABI 1.3: disks, NICs): how many entries are listed, their names as
 * label values, and which entry first carries each name. Where none is listed, the families fall
 * back to the VM's totals without the device label.
 */
final class DeviceList {

    private final RecordField count;
    private final RecordField name;

    DeviceList(RecordField count, RecordField name) {
        this.count = count;
        this.name = name;
    }

    int listed(ScrapedVm vm) {
        return count == null || name == null ? 0 : (int) Math.min(vm.u32(count), name.count());
    }

    String label(ScrapedVm vm, int i) {
        return LabelValues.clean(vm.text(name, i));
    }

    /**
     * False when an earlier entry has the same label: the guest side named two devices alike, one
     * series each, the first's.
     */
    boolean firstOf(ScrapedVm vm, String label, int i) {
        for (int j = 0; j < i; j++) {
            if (label(vm, j).equals(label)) {
                return false;
            }
        }
        return true;
    }
}
