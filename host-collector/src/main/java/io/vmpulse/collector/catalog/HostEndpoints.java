package io.vmpulse.collector.catalog;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the host half of a VM can be read from its VMM.
 *
 * @param apiSocket Firecracker or Cloud Hypervisor API socket
 * @param qmpSocket QEMU QMP socket
 * @param metricsPath Firecracker metrics file or FIFO
 */
public record HostEndpoints(
        Optional<Path> apiSocket, Optional<Path> qmpSocket, Optional<Path> metricsPath) {
    public static final HostEndpoints NONE =
            new HostEndpoints(Optional.empty(), Optional.empty(), Optional.empty());
}
