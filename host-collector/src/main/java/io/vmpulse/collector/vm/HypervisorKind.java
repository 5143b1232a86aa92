package io.vmpulse.collector.vm;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The VMM that runs a VM; decides which host-side endpoints make sense for it. */
public enum HypervisorKind {
    FIRECRACKER("firecracker"),
    CLOUD_HYPERVISOR("cloud-hypervisor"),
    QEMU("qemu"),
    LIBKRUN("libkrun"),
    /** No VMM to ask (a test VM, or the local machine in the demo). */
    NONE("none");

    private final String descriptorName;

    HypervisorKind(final String descriptorName) {
        this.descriptorName = descriptorName;
    }

    /** The spelling used in descriptors, e.g. {@code cloud-hypervisor}. */
    public String descriptorName() {
        return descriptorName;
    }

    public static Optional<HypervisorKind> fromDescriptorName(final String name) {
        return Arrays.stream(values()).filter(k -> k.descriptorName.equals(name)).findFirst();
    }

    /** {@code firecracker, cloud-hypervisor, qemu, libkrun, none}: for error messages and help. */
    public static String allDescriptorNames() {
        return Arrays.stream(values()).map(HypervisorKind::descriptorName).collect(Collectors.joining(", "));
    }
}
