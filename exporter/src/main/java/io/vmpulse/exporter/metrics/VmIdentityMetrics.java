package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a VM is: {@code vmpulse_vm_info} (hypervisor from the descriptor; agent version, kernel
 * release and boot id from the guest, so untrusted) and {@code vmpulse_vm_labels}, the descriptor's
 * labels as kube-state-metrics exposes a pod's. Both are 1, to join on {@code vm_id}.
 */
final class VmIdentityMetrics implements VmMetricGroup {

    /** In label name order. */
    private static final String[] INFO_FIELDS = {
        "agent_version", "boot_id", "hypervisor", "kernel_release"
    };

    private final String[] infoNames;
    private final RecordField[] infoFields;
    private final RecordField labelsField;
    private final RecordField omittedField;
    private final ExportOptions options;

    VmIdentityMetrics(Scrape s, ExportOptions options) {
        List<String> names = new ArrayList<>();
        List<RecordField> fields = new ArrayList<>();
        for (String name : INFO_FIELDS) {
            RecordField f = s.field(name);
            if (f != null) {
                names.add(name);
                fields.add(f);
            }
        }
        infoNames = names.toArray(new String[0]);
        infoFields = fields.toArray(new RecordField[0]);
        labelsField = s.field("labels");
        omittedField = s.field("labels_omitted");
        this.options = options;
    }

    @Override
    public List<Family> families() {
        return List.of(
                Family.info(
                        "vmpulse_vm",
                        "VM identity: hypervisor (host descriptor); agent_version, kernel_release, boot_id (guest-reported).",
                        this::info),
                Family.gauge(
                        "vmpulse_vm_labels",
                        "The VM descriptor's labels, one label_<key> each (keys sanitised as kube-state-metrics does).",
                        (vm, out) -> {
                            if (labelsField != null) {
                                descriptorLabels(vm, out);
                            }
                        }),
                Family.gauge(
                        "vmpulse_vm_labels_omitted",
                        "Descriptor labels that did not fit the registry's labels field and are missing from vmpulse_vm_labels.",
                        (vm, out) -> {
                            if (omittedField != null) {
                                out.add(vm.u32(omittedField));
                            }
                        }));
    }

    private void info(ScrapedVm vm, Points out) {
        String[] values = new String[infoFields.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = LabelValues.clean(vm.text(infoFields[i]));
        }
        out.add(infoNames, values, 1);
    }

    private void descriptorLabels(ScrapedVm vm, Points out) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> e : VmLabelNames.parse(vm.text(labelsField)).entrySet()) {
            if (options.labelAllowed(e.getKey())) {
                keys.add(e.getKey());
                values.add(LabelValues.clean(e.getValue()));
            }
        }
        List<String> names = VmLabelNames.names(keys);
        out.add(names.toArray(new String[0]), values.toArray(new String[0]), 1);
    }
}
