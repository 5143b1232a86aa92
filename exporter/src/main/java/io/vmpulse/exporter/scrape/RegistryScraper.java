package io.vmpulse.exporter.scrape;

import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Reads the registry for one scrape: every slot that is not free, once, through the seqlock reader.
 * Nothing is cached between scrapes except the copy buffers themselves, so a VM whose slot was
 * freed is simply absent from the next scrape.
 *
 * <p>Scrapes are serialised: one at a time reads into the reused copies and uses them, and the text
 * page is written from the copies, so the lock is held until its last byte is sent. Two Prometheus
 * servers scraping at once wait for each other for one page's time, which costs less than a second
 * set of buffers for every VM; a client that stops reading is cut off by the HTTP server's response
 * time limit (web.ExporterServer).
 */
public final class RegistryScraper {

    private final RegistrySource source;
    private final ReentrantLock lock = new ReentrantLock();

    /** Copy buffers, one per VM read in a scrape; grows to the largest scrape seen. */
    private final List<ScrapedVm> pool = new ArrayList<>();

    private int poolSampleSize = -1;

    public RegistryScraper(Path registry) {
        this.source = new RegistrySource(registry);
    }

    public Path path() {
        return source.path();
    }

    /** Reads the registry and hands the result to {@code use}, which must not keep it. */
    public <T> T scrape(Function<Scrape, T> use) {
        lock.lock();
        try {
            return use.apply(read());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The registry's header only (open, heartbeat, writer closed), without reading any slot: what a
     * readiness probe needs.
     */
    public Scrape probe() {
        lock.lock();
        try {
            long now = System.nanoTime();
            RegistryReader reader = source.current();
            if (reader == null) {
                return new Scrape(
                        source.path(),
                        source.problem(),
                        0,
                        null,
                        now,
                        0,
                        false,
                        0,
                        new int[3],
                        0,
                        List.of());
            }
            return new Scrape(
                    source.path(),
                    null,
                    reader.versionMinor(),
                    reader.directory(),
                    now,
                    reader.heartbeatMonoNanos(),
                    reader.writerClosed(),
                    reader.writerStartUnixNanos(),
                    new int[3],
                    0,
                    List.of());
        } finally {
            lock.unlock();
        }
    }

    /** A scrape of a registry that cannot be read now: its path and why, no VMs. */
    private Scrape unavailable(long now) {
        return new Scrape(
                source.path(),
                source.problem(),
                0,
                null,
                now,
                0,
                false,
                0,
                new int[3],
                0,
                List.of());
    }

    private Scrape read() {
        long now = System.nanoTime();
        RegistryReader reader = source.current();
        if (reader == null) {
            return unavailable(now);
        }
        try {
            return readSlots(reader, now);
        } catch (RuntimeException e) {
            // The reader refuses to touch a file cut short under it (RegistryTruncatedException):
            // this scrape says the registry is unreadable, the next one maps the path again.
            source.invalidate("cannot read registry " + source.path() + ": " + e.getMessage());
            return unavailable(now);
        }
    }

    private Scrape readSlots(RegistryReader reader, long now) {
        int[] byState = new int[3];
        if (reader.sampleSize() != poolSampleSize) {
            pool.clear(); // a new writer version: snapshots must fit its samples
            poolSampleSize = reader.sampleSize();
        }
        int minor = reader.versionMinor();
        int unreadable = 0;
        int used = 0;
        Map<String, ScrapedVm> byId = new HashMap<>();
        List<ScrapedVm> vms = new ArrayList<>();
        for (int slot = 0; slot < reader.slotCount(); slot++) {
            int state = reader.stateOf(slot);
            if (state == RegistryLayout.STATE_FREE) {
                byState[0]++;
                continue;
            }
            if (used == pool.size()) {
                pool.add(new ScrapedVm(reader.newSnapshot()));
            }
            ScrapedVm vm = pool.get(used);
            SlotSnapshot copy = vm.slot();
            if (!reader.read(slot, copy)) {
                unreadable++;
                continue;
            }
            int copied = copy.state();
            byState[copied >= 0 && copied < 3 ? copied : 0]++;
            if (copy.isFree()) {
                continue; // freed between the state check and the copy
            }
            used++;
            vm.completed(minor);
            ScrapedVm other = byId.putIfAbsent(vm.vmId(), vm);
            if (other == null) {
                vms.add(vm);
            } else if (preferred(vm, other)) {
                // A VM re-registered while its old slot is in its grace period: one id, one series.
                byId.put(vm.vmId(), vm);
                vms.set(vms.indexOf(other), vm);
            }
        }
        // In id order: each family's series come out sorted by vm_id.
        vms.sort(Comparator.comparing(ScrapedVm::vmId));
        return new Scrape(
                source.path(),
                null,
                minor,
                reader.directory(),
                now,
                reader.heartbeatMonoNanos(),
                reader.writerClosed(),
                reader.writerStartUnixNanos(),
                byState,
                unreadable,
                vms);
    }

    private static boolean preferred(ScrapedVm a, ScrapedVm b) {
        if (a.isFinal() != b.isFinal()) {
            return !a.isFinal();
        }
        return a.claimedUnixNanos() > b.claimedUnixNanos();
    }
}
