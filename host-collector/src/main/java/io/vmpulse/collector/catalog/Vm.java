package io.vmpulse.collector.catalog;

import io.vmpulse.collector.host.HypervisorKind;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A validated VM descriptor: everything the collector needs to ingest and measure one VM. Built
 * only by {@link VmDescriptors#toVm}, which enforces the rules in docs/vm-descriptors.md.
 *
 * @param id [A-Za-z0-9][A-Za-z0-9._-]{0,63}
 * @param vmmPid absent only when {@code hypervisor} is {@link HypervisorKind#NONE} and none was
 *     given
 * @param taps host-side TAP interface names
 * @param blockDevices the hypervisor's ids of the VM's block devices
 * @param cgroup the VM's cgroup v2 directory
 * @param labels the descriptor's labels, sorted by key
 */
public record Vm(
        String id,
        HypervisorKind hypervisor,
        OptionalInt vmmPid,
        GuestEndpoint guest,
        List<String> taps,
        List<String> blockDevices,
        HostEndpoints host,
        boolean balloon,
        Optional<Path> cgroup,
        SortedMap<String, String> labels) {

    public Vm {
        taps = List.copyOf(taps);
        blockDevices = List.copyOf(blockDevices);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** A VM without labels. */
    public Vm(
            String id,
            HypervisorKind hypervisor,
            OptionalInt vmmPid,
            GuestEndpoint guest,
            List<String> taps,
            List<String> blockDevices,
            HostEndpoints host,
            boolean balloon,
            Optional<Path> cgroup) {
        this(
                id,
                hypervisor,
                vmmPid,
                guest,
                taps,
                blockDevices,
                host,
                balloon,
                cgroup,
                new TreeMap<>());
    }
}
