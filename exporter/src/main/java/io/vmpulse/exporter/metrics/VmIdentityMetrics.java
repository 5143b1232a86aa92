package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
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

    private static final String[] INFO_FIELDS = {
        "hypervisor", "agent_version", "kernel_release", "boot_id"
    };

    private final Family info =
            Family.info(
                    "vmpulse_vm",
                    "VM identity: hypervisor (host descriptor); agent_version, kernel_release, boot_id (guest-reported).");
    private final Family labels =
            Family.gauge(
                    "vmpulse_vm_labels",
                    "The VM descriptor's labels, one label_<key> each (keys sanitised as kube-state-metrics does).");

    private final Family labelsOmitted =
            Family.gauge(
                    "vmpulse_vm_labels_omitted",
                    "Descriptor labels that did not fit the registry's labels field and are missing from vmpulse_vm_labels.");

    private final List<String> infoNames = new ArrayList<>();
    private final List<RecordField> infoFields = new ArrayList<>();
    private final RecordField labelsField;
    private final RecordField omittedField;
    private final ExportOptions options;

    VmIdentityMetrics(Scrape s, ExportOptions options) {
        for (String name : INFO_FIELDS) {
            RecordField f = s.field(name);
            if (f != null) {
                infoNames.add(name);
                infoFields.add(f);
            }
        }
        labelsField = s.field("labels");
        omittedField = s.field("labels_omitted");
        this.options = options;
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        String[] values = new String[infoFields.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = LabelValues.clean(vm.text(infoFields.get(i)));
        }
        info.add(vmLabels.merge(infoNames.toArray(new String[0]), values), 1);
        if (labelsField != null) {
            descriptorLabels(vm, vmLabels);
        }
        if (omittedField != null) {
            labelsOmitted.add(vmLabels, vm.u32(omittedField));
        }
    }

    private void descriptorLabels(ScrapedVm vm, Labels vmLabels) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> e : VmLabelNames.parse(vm.text(labelsField)).entrySet()) {
            if (options.labelAllowed(e.getKey())) {
                keys.add(e.getKey());
                values.add(LabelValues.clean(e.getValue()));
            }
        }
        List<String> names = VmLabelNames.names(keys);
        labels.add(vmLabels.merge(names.toArray(new String[0]), values.toArray(new String[0])), 1);
    }

    @Override
    public List<Family> families() {
        return List.of(info, labels, labelsOmitted);
    }
}
