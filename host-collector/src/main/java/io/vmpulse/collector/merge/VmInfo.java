package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.HYPERVISOR;
import static io.vmpulse.registry.layout.RecordFields.LABELS;
import static io.vmpulse.registry.layout.RecordFields.LABELS_OMITTED;

import io.vmpulse.registry.layout.VmRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the VM's descriptor says about the VM itself: its hypervisor and its labels, as the record
 * carries them. Labels are "key=value" lines joined by '\n', sorted by key so that the same labels
 * always give the same bytes; a label that does not fit after the ones before it is left out whole
 * (never cut, a cut value would be a wrong value) and counted in {@code labels_omitted}. Both come
 * from the host's operator and were validated with the descriptor (keys are identifiers, values
 * hold no control characters), so '\n' and '=' separate them unambiguously up to the first '=' of a
 * line.
 *
 * <p>Immutable; built when a VM is registered or updated, written into every record after.
 */
public final class VmInfo {

    public static final VmInfo NONE = new VmInfo("", Map.of());

    private final String hypervisor;
    private final String labels;
    private final int omitted;

    public VmInfo(String hypervisor, Map<String, String> labels) {
        this.hypervisor = hypervisor;
        int room = LABELS.size() - 1; // the terminating NUL
        StringBuilder text = new StringBuilder();
        int used = 0;
        int left = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            String line = e.getKey() + "=" + e.getValue();
            int bytes = line.getBytes(StandardCharsets.UTF_8).length + (text.length() == 0 ? 0 : 1);
            if (used + bytes > room) {
                left++;
                continue;
            }
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(line);
            used += bytes;
        }
        this.labels = text.toString();
        this.omitted = left;
    }

    /** The labels as the record stores them. */
    public String labelsText() {
        return labels;
    }

    public int labelsOmitted() {
        return omitted;
    }

    void writeInto(VmRecord out) {
        out.putString(HYPERVISOR, hypervisor);
        out.putString(LABELS, labels);
        out.putInt(LABELS_OMITTED, omitted);
    }
}
