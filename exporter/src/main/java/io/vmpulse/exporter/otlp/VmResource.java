package io.vmpulse.exporter.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.VmRecord;

/**
 * The Resource one VM's metrics are reported under: the VM is the host the guest data describes, so
 * {@code host.id} is its VM id. The descriptor's labels (host-trusted) become attributes under
 * their own keys; the hypervisor (host-trusted) and the guest's kernel release and agent version
 * (guest-reported, capped) are {@code vmpulse.*} attributes. The guest's boot id is left out on
 * purpose: a resource attribute that changes at every reboot would make every backend start new
 * series for the same VM; the counters' start time already marks the reboot.
 */
final class VmResource {

    private VmResource() {}

    static Resource of(String vmId, VmRecord r, NamedFields f) {
        AttributesBuilder b = Attributes.builder();
        if (f.labels != null) {
            DescriptorLabels.addTo(r.getString(f.labels), b);
        }
        putIfSet(b, Keys.HYPERVISOR, r, f.hypervisor);
        putIfSet(b, Keys.KERNEL_RELEASE, r, f.kernelRelease);
        putIfSet(b, Keys.AGENT_VERSION, r, f.agentVersion);
        b.put(Keys.HOST_ID, AttributeText.cap(vmId));
        return Resource.create(b.build());
    }

    private static void putIfSet(
            AttributesBuilder b, AttributeKey<String> key, VmRecord r, RecordField field) {
        if (field != null) {
            String v = r.getString(field);
            if (!v.isEmpty()) {
                b.put(key, AttributeText.cap(v));
            }
        }
    }
}
