package io.vmpulse.exporter.metrics;

import java.time.Duration;
import java.util.Set;

/**
 * How the registry is turned into series.
 *
 * @param staleAfter      a collector heartbeat (and a VM's host reading) older than this is not
 *                        fresh: {@code /-/ready} fails and {@code vmpulse_vm_up} is 0
 * @param labelsAllowlist descriptor label keys exported by {@code vmpulse_vm_labels}; null exports
 *                        every key
 */
public record ExportOptions(Duration staleAfter, Set<String> labelsAllowlist) {

    /**
     * The collector advances its heartbeat every interval / 4 (docs/shm-abi.md): 250 ms at the
     * default 1 s interval. 5 s is 20 missed heartbeats there, and still 2 at a 10 s interval.
     */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(5);

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
