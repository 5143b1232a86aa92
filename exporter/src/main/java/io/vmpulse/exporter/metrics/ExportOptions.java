package io.vmpulse.exporter.metrics;

import io.vmpulse.registry.layout.RegistryLayout;
import java.time.Duration;
import java.util.Set;

/**
 * How the registry is turned into series.
 *
 * @param staleAfter a collector heartbeat (and a VM's host reading) older than this is not fresh:
 *     {@code /-/ready} fails and {@code vmpulse_vm_up} is 0
 * @param labelsAllowlist descriptor label keys exported by {@code vmpulse_vm_labels}; null exports
 *     every key
 */
public record ExportOptions(Duration staleAfter, Set<String> labelsAllowlist) {

    /**
     * The ABI's own limit (docs/shm-abi.md, "Is the writer alive?"): the collector advances its
     * heartbeat at least every 250 ms while its data path works, and a reader calls it dead after
     * 2,000 ms without one.
     */
    public static final Duration DEFAULT_STALE_AFTER =
            Duration.ofMillis(RegistryLayout.WRITER_DEAD_AFTER_MS);

    public ExportOptions {
        if (staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("stale-after must be positive, not " + staleAfter);
        }
        labelsAllowlist = labelsAllowlist == null ? null : Set.copyOf(labelsAllowlist);
    }

    public static ExportOptions defaults() {
        return new ExportOptions(DEFAULT_STALE_AFTER, null);
    }

    public boolean labelAllowed(String key) {
        return labelsAllowlist == null || labelsAllowlist.contains(key);
    }
}
