package io.vmpulse.exporter.scrape;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.read.FieldDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one scrape read from the registry: the registry's own state and every VM, each read once.
 * Valid only inside {@link RegistryScraper#scrape}.
 *
 * @param path the registry's path
 * @param problem why the registry could not be read (then everything else is empty), or null
 * @param minorVersion the writer's ABI minor version
 * @param directory the writer's field directory: fields are found here by name
 * @param nowMonoNanos this process's CLOCK_MONOTONIC when the scrape began
 * @param heartbeatMonoNanos the writer's CLOCK_MONOTONIC at its last heartbeat
 * @param writerClosed the writer closed the registry cleanly
 * @param writerStartUnixNanos when the writer created the file
 * @param slotsByState slot count by state: [FREE, LIVE, FINAL], from the slot headers
 * @param unreadableSlots slots no consistent copy could be had of (the writer kept writing them, or
 *     died mid-write)
 * @param vms one entry per VM id (LIVE preferred over FINAL, then the newest claim)
 */
public record Scrape(
        Path path,
        String problem,
        int minorVersion,
        FieldDirectory directory,
        long nowMonoNanos,
        long heartbeatMonoNanos,
        boolean writerClosed,
        long writerStartUnixNanos,
        int[] slotsByState,
        int unreadableSlots,
        List<ScrapedVm> vms) {

    public boolean open() {
        return problem == null;
    }

    /**
     * The field called {@code name} in this registry, or null when its writer's version has none.
     */
    public RecordField field(String name) {
        return directory == null ? null : directory.find(name).orElse(null);
    }

    /**
     * True when the registry is open, its writer did not close it, and the writer's heartbeat is at
     * most {@code staleAfter} old: the collector is alive and its records are current.
     */
    public boolean collectorFresh(Duration staleAfter) {
        return open() && !writerClosed && nowMonoNanos - heartbeatMonoNanos <= staleAfter.toNanos();
    }

    /** Seconds since the writer's last heartbeat, or NaN when the registry is not open. */
    public double heartbeatAgeSeconds() {
        return open() ? (nowMonoNanos - heartbeatMonoNanos) / 1e9 : Double.NaN;
    }
}
