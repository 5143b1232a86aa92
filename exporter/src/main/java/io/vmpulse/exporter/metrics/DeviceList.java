package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;

/**
 * A per-device list in a record (ABI 1.3: disks, NICs) and the families read from it: one series
 * per listed device, labelled with its name, or, where none is listed, the VM's totals without the
 * label. The registry names a list {@code <list>_count}, {@code <list>.name}, {@code
 * <list>_omitted} and its entries {@code <list>.<field>}; the totals are {@code <totals><field>}.
 */
final class DeviceList {

    private final Scrape scrape;
    private final String list;
    private final String totals;
    private final String label;
    private final long presence;
    private final RecordField count;
    private final RecordField name;
    private final RecordField omitted;

    /**
     * @param label the label the device's name goes in
     * @param presence the presence bit of the whole group
     */
    DeviceList(Scrape s, String list, String totals, String label, long presence) {
        this.scrape = s;
        this.list = list;
        this.totals = totals;
        this.label = label;
        this.presence = presence;
        count = s.field(list + "_count");
        name = s.field(list + ".name");
        omitted = s.field(list + "_omitted");
    }

    /**
     * A counter of one registry field, per device or as the total; {@code needs}: presence bits
     * beyond the group's that the field needs.
     */
    Family counter(String metric, String help, Unit unit, String field, long needs) {
        RecordField total = scrape.field(totals + field);
        RecordField each = scrape.field(list + "." + field);
        return Family.counter(
                metric,
                help,
                unit,
                (vm, out) -> {
                    if (!vm.present(presence | needs)) {
                        return;
                    }
                    int listed = listed(vm);
                    if (listed == 0) {
                        if (total != null) {
                            out.add(Values.unsigned(vm.u64(total)));
                        }
                        return;
                    }
                    for (int i = 0; i < listed && each != null; i++) {
                        String device = label(vm, i);
                        if (firstOf(vm, device, i)) {
                            out.add(label, device, Values.unsigned(vm.u64(each, i)));
                        }
                    }
                });
    }

    /** How many devices did not fit the list, where there is a list. */
    Family omitted(String metric, String help) {
        return Family.gauge(
                metric,
                help,
                (vm, out) -> {
                    if (vm.present(presence) && listed(vm) > 0 && omitted != null) {
                        out.add(vm.u32(omitted));
                    }
                });
    }

    private int listed(ScrapedVm vm) {
        return count == null || name == null ? 0 : (int) Math.min(vm.u32(count), name.count());
    }

    private String label(ScrapedVm vm, int i) {
        return LabelValues.clean(vm.text(name, i));
    }

    /**
     * False when an earlier entry has the same label: the guest side named two devices alike, one
     * series each, the first's.
     */
    private boolean firstOf(ScrapedVm vm, String device, int i) {
        for (int j = 0; j < i; j++) {
            if (label(vm, j).equals(device)) {
                return false;
            }
        }
        return true;
    }
}
