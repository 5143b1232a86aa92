package io.vmpulse.collector.session;

import io.grpc.Server;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.ingest.GuestLink;
import io.vmpulse.collector.ingest.GuestSink;
import io.vmpulse.collector.ingest.IngestServer;
import io.vmpulse.collector.ingest.LogText;
import io.vmpulse.collector.ingest.RateLimitedLog;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.RecordMerger;
import io.vmpulse.collector.merge.VmInfo;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.VmRecord;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One VM's path from arrival to shared memory, and its state from the guest's first connection to
 * the slot's reclaim: its ingest link and listener, its host-side sampler, its merger and its
 * registry slot.
 *
 * <p>Work for one VM runs on a shared pool but never on two threads at once, and never on the
 * ingest thread: a guest sample is handed over and the ingest thread returns at once. Host reads
 * never wait on a VMM's socket here: those exchanges run on the collector's socket executor (see
 * HostSampler), so a hung QMP or API socket holds up no merge.
 *
 * <p>Every guest sample is merged and published, in arrival order: arrivals wait in a queue while
 * the pool is behind (a stalled machine, a guest whose samples bunch up after a pause), so the
 * registry shows each accepted seq. The queue holds at most {@link #BACKLOG} (at 1 Hz, that many
 * seconds behind), and beyond its first sample only as many as the collector's {@link
 * ArrivalBudget} allows across all VMs; past either bound the oldest waiting sample is superseded
 * by the next one: counted in the record's {@code dropped_samples} and logged, never silent. The
 * ingest rate limit keeps one guest from filling the pool with its queue.
 */
final class VmSession implements GuestSink {

    private static final Logger LOG = Logger.getLogger(VmSession.class.getName());

    /**
     * A guest reconnecting in a loop must not fill the log: its connect lines are limited per VM.
     */
    private final RateLimitedLog connectLog =
            new RateLimitedLog(LOG, Duration.ofSeconds(10).toNanos());

    private final RateLimitedLog disconnectLog =
            new RateLimitedLog(LOG, Duration.ofSeconds(10).toNanos());

    private final RateLimitedLog backlogLog =
            new RateLimitedLog(LOG, Duration.ofSeconds(10).toNanos());

    /** Guest samples that may wait for the merge before the oldest is superseded. */
    static final int BACKLOG = 16;

    final String vmId;
    final int slot;
    private final RegistryWriter registry;
    private HostSampler host;
    private final Executor pool;
    private final ArrivalBudget budget;
    private final long intervalNanos;
    private final RecordMerger merger = new RecordMerger();
    private final GuestLink link;

    /**
     * The VM's own listener; null for a vsock guest (the collector's shared listener) or none.
     * Guarded by this.
     */
    private Server listener;

    // Guarded by this.
    private HostSampler replacementHost;
    private VmInfo info;
    private final ArrayDeque<Arrival> pending = new ArrayDeque<>(2);
    private long superseded;
    private long supersededUnmerged;

    /** Permits of the budget this session holds: one per waiting sample after the first. */
    private int borrowed;

    private boolean timerDue;
    private boolean scheduled;
    private boolean finished;
    private long lastWorkNanos;

    private record Arrival(
            Hello hello, Sample sample, Continuity verdict, long monoNanos, long unixNanos) {}

    /**
     * Opens the VM's ingest link: {@code ingest} starts handing this session the guest's traffic
     * once a listener accepts a stream for it ({@link #listening}).
     */
    VmSession(
            String vmId,
            int slot,
            RegistryWriter registry,
            HostSampler host,
            Executor pool,
            ArrivalBudget budget,
            long intervalNanos,
            IngestServer ingest,
            Duration interval) {
        this.vmId = vmId;
        this.slot = slot;
        this.registry = registry;
        this.host = host;
        this.pool = pool;
        this.budget = budget;
        this.intervalNanos = intervalNanos;
        // No stream can reach this sink before a listener exists, so handing out 'this' here is
        // safe.
        this.link = ingest.link(vmId, this);
        link.requestInterval(interval);
    }

    GuestLink link() {
        return link;
    }

    /** The listener that accepts this VM's guest streams; it is shut down with the session. */
    synchronized void listening(Server listener) {
        this.listener = listener;
    }

    @Override
    public void guestConnected(Hello hello) {
        connectLog.info(
                System.nanoTime(),
                "vm "
                        + vmId
                        + ": guest agent "
                        + LogText.quote(hello.getAgentName())
                        + " "
                        + LogText.quote(hello.getAgentVersion())
                        + " connected (kernel "
                        + LogText.quote(hello.getKernelRelease())
                        + ")");
    }

    @Override
    public void guestSample(Hello hello, Sample sample, Continuity verdict, long receivedNanos) {
        Arrival a = new Arrival(hello, sample, verdict, receivedNanos, unixNanos());
        long lost = 0;
        synchronized (this) {
            if (finished) {
                return; // in flight while the VM went away: its final record is written already
            }
            if (!pending.isEmpty() && (pending.size() >= BACKLOG || !budget.tryTake())) {
                pending.poll();
                lost = ++superseded;
                supersededUnmerged++;
            } else if (!pending.isEmpty()) {
                borrowed++;
            }
            pending.add(a);
        }
        if (lost != 0) {
            backlogLog.warn(
                    receivedNanos,
                    "vm "
                            + vmId
                            + ": the merge is behind; superseded the oldest waiting sample ("
                            + lost
                            + " so far)");
        }
        schedule();
    }

    @Override
    public void guestDisconnected(String reason) {
        disconnectLog.info(
                System.nanoTime(),
                "vm " + vmId + ": guest agent disconnected: " + LogText.quote(reason));
    }

    /**
     * The collector's timer: publishes the host half when the guest has been quiet for an interval.
     */
    void tick(long nowNanos) {
        synchronized (this) {
            if (nowNanos - lastWorkNanos < intervalNanos) {
                return;
            }
            timerDue = true;
        }
        schedule();
    }

    private void schedule() {
        synchronized (this) {
            if (scheduled || finished) {
                return;
            }
            scheduled = true;
        }
        pool.execute(this::drain);
    }

    /**
     * What the VM's descriptor says about it (hypervisor, labels): in every record from the next
     * merge on.
     */
    void describe(VmInfo next) {
        synchronized (this) {
            info = next;
        }
    }

    /**
     * The VM's host-side targets changed (a descriptor update that kept its guest endpoint): the
     * next merge reads through {@code next}, and the old sampler is closed by the thread that used
     * it, so the two never overlap.
     */
    void replaceHost(HostSampler next) {
        HostSampler unused;
        synchronized (this) {
            unused = replacementHost;
            replacementHost = next;
            timerDue = true;
        }
        if (unused != null) {
            unused.close();
        }
        schedule();
    }

    private void drain() {
        while (true) {
            Arrival a;
            HostSampler retired = null;
            synchronized (this) {
                if (replacementHost != null && !finished) {
                    retired = host;
                    host = replacementHost;
                    replacementHost = null;
                }
                a = pending.poll();
                if (borrowed > Math.max(0, pending.size() - 1)) {
                    borrowed--;
                    budget.release(1);
                }
                boolean timer = timerDue;
                timerDue = false;
                if ((a == null && !timer) || finished) {
                    scheduled = false;
                    return;
                }
                lastWorkNanos = System.nanoTime();
            }
            if (retired != null) {
                retired.close();
            }
            try {
                publish(a, false);
            } catch (RuntimeException e) {
                LOG.warning("vm " + vmId + ": publishing failed: " + e);
            } catch (Error e) {
                // The worker dies of it (and takes the heartbeat down); finish() must not wait for
                // it.
                synchronized (this) {
                    scheduled = false;
                }
                throw e;
            }
        }
    }

    /**
     * The record and the host reading a merge works in: one of each per thread that merges, not per
     * VM. The record starts as the VM's last published one, copied out of its slot.
     */
    private static final ThreadLocal<VmRecord> RECORD = ThreadLocal.withInitial(VmRecord::new);

    private static final ThreadLocal<HostReading> READING =
            ThreadLocal.withInitial(HostReading::new);

    private void publish(Arrival a, boolean last) {
        VmInfo next;
        long lost;
        synchronized (this) {
            next = info;
            info = null;
            lost = supersededUnmerged;
            supersededUnmerged = 0;
        }
        VmRecord out = RECORD.get();
        registry.copyOut(slot, out);
        if (next != null) {
            merger.describe(out, next);
        }
        merger.collectorDropped(lost);
        HostReading reading = READING.get();
        host.read(reading);
        if (a != null) {
            merger.guestArrived(
                    out, a.sample(), a.hello(), a.verdict(), a.monoNanos(), a.unixNanos(), reading);
        } else {
            merger.hostRead(out, reading, unixNanos());
        }
        merger.seal(out, link.stats(), System.nanoTime(), 3 * intervalNanos, last);
        if (last) {
            registry.markFinal(slot, out);
        } else {
            registry.publish(slot, out);
        }
    }

    /**
     * The grace after {@link #finish} is over: the slot is freed, readers see a new generation when
     * it is reused.
     */
    void reclaim() {
        registry.release(slot);
    }

    /**
     * The VM is gone: stops its listener, waits for a running merge, then publishes the final
     * sample (host half read once more, so a VMM that already exited shows as failing).
     */
    void finish() {
        link.close();
        Server listener;
        synchronized (this) {
            listener = this.listener;
        }
        if (listener != null) {
            listener.shutdownNow();
        }
        synchronized (this) {
            finished = true;
            while (scheduled) {
                try {
                    wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        synchronized (this) {
            pending.clear();
            budget.release(borrowed);
            borrowed = 0;
        }
        try {
            publish(null, true);
        } finally {
            host.close();
            synchronized (this) {
                if (replacementHost != null) {
                    replacementHost.close();
                }
            }
        }
    }

    static long unixNanos() {
        java.time.Instant now = java.time.Instant.now();
        return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    }
}
