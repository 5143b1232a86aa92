package io.vmpulse.collector.host;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the host half of one VM can be read. Everything but {@code hypervisor} is optional: a
 * source whose target is missing is reported absent, never failed.
 *
 * @param hypervisor the VMM kind
 * @param vmmPid the VMM process id, 0 when unknown (no vCPU, process or cgroup reading)
 * @param tapNames host TAP interfaces of the VM, read from {@code <sysfs>/class/net}
 * @param driveIds drive ids to count: Firecracker {@code block_<id>}, Cloud Hypervisor device ids,
 *     QEMU block device names; empty counts every drive of the VM
 * @param apiSocket Firecracker or Cloud Hypervisor API Unix socket, or null
 * @param qmpSocket QEMU QMP Unix socket, or null
 * @param metricsPath Firecracker metrics file or FIFO, or null
 * @param balloonEnabled whether Firecracker has a balloon device with statistics enabled
 * @param cgroupPath absolute path of the VM's cgroup v2 directory, or null to derive it from {@code
 *     /proc/PID/cgroup}
 */
public record HostTargets(
        HypervisorKind hypervisor,
        int vmmPid,
        List<String> tapNames,
        List<String> driveIds,
        Path apiSocket,
        Path qmpSocket,
        Path metricsPath,
        boolean balloonEnabled,
        Path cgroupPath) {

    public HostTargets {
        if (hypervisor == null) {
            throw new IllegalArgumentException("hypervisor must be given (NONE when unknown)");
        }
        if (vmmPid < 0) {
            throw new IllegalArgumentException("vmmPid must be >= 0 (0 = unknown), got " + vmmPid);
        }
        tapNames = List.copyOf(tapNames == null ? List.of() : tapNames);
        driveIds = List.copyOf(driveIds == null ? List.of() : driveIds);
    }

    /** Targets of a VM known only by its VMM process. */
    public static HostTargets ofProcess(HypervisorKind hypervisor, int vmmPid) {
        return new HostTargets(
                hypervisor, vmmPid, List.of(), List.of(), null, null, null, false, null);
    }
}
