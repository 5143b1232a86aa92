package io.vmpulse.collector.host.vcpu;

import java.io.IOException;
import java.util.List;

/**
 * Finds the vCPU threads of a VMM process. Called rarely: at start, on a vanished thread,
 * periodically.
 */
@FunctionalInterface
public interface ThreadFinder {

    /** The vCPU threads of {@code pid} now; empty if it has none (yet). */
    List<VcpuThread> find(int pid) throws IOException;
}
