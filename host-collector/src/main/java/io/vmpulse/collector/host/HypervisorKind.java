package io.vmpulse.collector.host;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The VMM that runs a VM: it decides which host-side endpoints make sense for it, how its vCPU
 * threads are named and where its device counters live.
 */
public enum HypervisorKind {
    /** vCPU threads {@code fc_vcpu N}; metrics file or FIFO; API socket for flush and balloon. */
    FIRECRACKER("firecracker"),
    /** vCPU threads {@code vcpuN}; {@code GET /api/v1/vm.counters} on the API socket. */
    CLOUD_HYPERVISOR("cloud-hypervisor"),
    /** vCPU thread ids from QMP {@code query-cpus-fast}; {@code query-blockstats}. */
    QEMU("qemu"),
    /** vCPU threads {@code fc_vcpu N} (libkrun reuses Firecracker's devices); no API. */
    LIBKRUN("libkrun"),
    /**
     * No VMM to ask (a test VM, or the local machine in the demo): only the process, its cgroup and
     * TAPs.
     */
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
        return Arrays.stream(values())
                .map(HypervisorKind::descriptorName)
                .collect(Collectors.joining(", "));
    }
}
