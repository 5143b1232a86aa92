package io.vmpulse.collector.ingest;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.merge.IngestCounts;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;

/**
 * The ingest side of one VM: its rate limit, its counters, the stream its guest has open now, and
 * what the collector already holds from it, so that a reconnecting agent resends nothing twice.
 *
 * <p>Identity is fixed when the link is made: the listener that accepted the stream belongs to this
 * VM, so nothing in a message can point it at another VM's state. One stream at a time: a new
 * stream from the same VM replaces the old one (the usual cause is a half-open connection the guest
 * has already given up on).
 */
public final class GuestLink {

    private static final Logger LOG = Logger.getLogger(GuestLink.class.getName());
    private static final long LOG_PERIOD_NANOS = Duration.ofSeconds(10).toNanos();

    private final String vmId;
    private final GuestLimits limits;
    private final ShapeCheck shape;
    private final GuestSink sink;
    private final TokenBucket bucket;
    private final ScheduledExecutorService scheduler;
    private final RateLimitedLog rejectLog = new RateLimitedLog(LOG, LOG_PERIOD_NANOS);

    // Indexes into counts after the reject reasons' own: one array rather than an AtomicLong
    // each, which at thousands of VMs was 100 bytes a VM.
    private static final int ACCEPTED = RejectReason.values().length;
    private static final int DUPLICATES = ACCEPTED + 1;
    private static final int THROTTLED = ACCEPTED + 2;
    private static final int RESTARTS = ACCEPTED + 3;
    private static final int RESETS = ACCEPTED + 4;

    /** Rejects by {@link RejectReason#ordinal}, then the counters above. */
    private final AtomicLongArray counts = new AtomicLongArray(RESETS + 1);

    private final AtomicInteger connections = new AtomicInteger();
    private final Duration helloDeadline;

    // Guarded by this.
    private GuestStream current;
    private String bootId = "";
    private long lastSeq;
    private final CounterContinuity.Baseline previous = new CounterContinuity.Baseline();
    private int desiredIntervalMs;
    private boolean closed;

    public GuestLink(
            String vmId,
            GuestLimits limits,
            Duration helloDeadline,
            GuestSink sink,
            ScheduledExecutorService scheduler) {
        this.vmId = vmId;
        this.helloDeadline = helloDeadline;
        this.limits = limits;
        this.shape = new ShapeCheck(limits);
        this.sink = sink;
        this.scheduler = scheduler;
        this.bucket = new TokenBucket(limits.samplesPerSecond(), limits.burst(), System.nanoTime());
    }

    public String vmId() {
        return vmId;
    }

    /**
     * Starts serving a stream that the VM's listener accepted. Call from the gRPC service method.
     */
    public StreamObserver<AgentMessage> open(ServerCallStreamObserver<CollectorMessage> out) {
        GuestStream stream = new GuestStream(this, out, ConnectionGate.reading());
        GuestStream old;
        synchronized (this) {
            if (closed) {
                stream.refuse("VM " + vmId + " is not registered");
                return stream;
            }
            old = current;
            current = stream;
        }
        if (old != null) {
            old.replaced();
        }
        stream.start();
        return stream;
    }

    /** Asks the guest to sample at {@code interval} from now on, and on every later connect. */
    public void requestInterval(Duration interval) {
        long ms = Math.max(limits.minInterval().toMillis(), interval.toMillis());
        GuestStream s;
        synchronized (this) {
            desiredIntervalMs = (int) Math.min(Integer.MAX_VALUE, ms);
            s = current;
        }
        if (s != null) {
            s.sendInterval(desiredIntervalMs);
        }
    }

    /** The VM is gone: ends its stream and refuses new ones. */
    public void close() {
        GuestStream s;
        synchronized (this) {
            closed = true;
            s = current;
            current = null;
        }
        if (s != null) {
            s.refuse("VM " + vmId + " was unregistered");
        }
    }

    String checkHello(Hello h) {
        return shape.hello(h);
    }

    String checkSample(Sample s) {
        return shape.sample(s);
    }

    int rejectsBeforeAbuse() {
        return limits.rejectsBeforeAbuse();
    }

    /** Counts a rejected message under its reason and logs why, at most once per log period. */
    void countReject(long nowNanos, RejectReason reason, String what) {
        counts.incrementAndGet(reason.ordinal());
        rejectLog.warn(nowNanos, "vm " + vmId + ": " + what);
    }

    /**
     * Takes a token of the VM's rate limit for the next message: 0 when one was free, else the
     * nanoseconds until one is (the message waits in the transport meanwhile, counted as
     * throttled).
     */
    long admit(long nowNanos) {
        if (bucket.tryTake(nowNanos)) {
            return 0;
        }
        counts.incrementAndGet(THROTTLED);
        return Math.max(bucket.nanosUntilToken(nowNanos), 1_000);
    }

    void later(Runnable task, long delayNanos) {
        scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    long helloDeadlineNanos() {
        return helloDeadline.toNanos();
    }

    /**
     * Takes one of the VM's {@code cap} connections; false (and nothing taken) when all are held.
     */
    boolean connectionOpened(int cap) {
        while (true) {
            int n = connections.get();
            if (n >= cap) {
                return false;
            }
            if (connections.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /** Connections of this VM's open now. */
    int openConnections() {
        return connections.get();
    }

    /**
     * A connection of this VM's was closed unread: counted as a reject, logged within the VM's
     * limit.
     */
    void connectionRefused(String why) {
        countReject(System.nanoTime(), RejectReason.CONNECTION, why);
    }

    /** gRPC refused a message of this VM's over the transport limit and ended its stream. */
    void transportRejected(String grpcDescription) {
        counts.incrementAndGet(RejectReason.OVERSIZED.ordinal());
        rejectLog.warn(
                System.nanoTime(),
                "vm "
                        + vmId
                        + ": rejected a message over the limit of "
                        + limits.maxMessageBytes()
                        + " bytes ("
                        + grpcDescription
                        + "); its stream was ended");
    }

    public IngestCounts stats() {
        return new IngestCounts(
                counts.get(ACCEPTED),
                counts.get(RejectReason.OVERSIZED.ordinal()),
                counts.get(RejectReason.MALFORMED.ordinal()),
                counts.get(RejectReason.HELLO.ordinal()),
                counts.get(RejectReason.SAMPLE.ordinal()),
                counts.get(RejectReason.CONNECTION.ordinal()),
                counts.get(DUPLICATES),
                counts.get(THROTTLED),
                counts.get(RESTARTS),
                counts.get(RESETS),
                isConnected());
    }

    synchronized boolean isConnected() {
        return current != null && current.hasHello();
    }

    /**
     * The seq to tell a connecting agent about: the last one published of its guest boot, by any
     * agent process of that boot, so that a restarted agent numbers on from there.
     */
    synchronized long lastSeqFor(Hello hello) {
        return hello.getBootId().equals(bootId) ? lastSeq : 0;
    }

    synchronized int desiredIntervalMs() {
        return desiredIntervalMs;
    }

    /**
     * Accepts a shape-checked sample unless it is a duplicate, and returns the cumulative seq the
     * guest may be told is stored (0 when the stream has been replaced and must not ack). The sink
     * is called under the link's lock so that samples reach it in seq order even while an old and a
     * new stream overlap.
     *
     * <p>Seq numbers the samples of one guest boot, across agent restarts (the Welcome tells a new
     * agent where to go on). A seq at or below the last one published for the boot is a duplicate:
     * counted, acknowledged (so that the agent drops it) and never published, and not a reject, so
     * a well-behaved agent resending what it could not know arrived is never cut off. A new boot id
     * starts the numbering over. A guest that jumps its seq towards 2^63-1 makes every later sample
     * of that boot a duplicate: it silences only its own VM, until it reboots or the VM is
     * registered again (docs/design.md, "Delivery").
     */
    synchronized long accept(GuestStream from, Hello hello, Sample sample, long nowNanos) {
        if (from != current) {
            return 0;
        }
        if (hello.getBootId().equals(bootId)
                && Long.compareUnsigned(sample.getSeq(), lastSeq) <= 0) {
            counts.incrementAndGet(DUPLICATES);
            return lastSeq;
        }
        Continuity verdict = CounterContinuity.judge(bootId, previous, hello.getBootId(), sample);
        if (verdict == Continuity.GUEST_RESTARTED) {
            counts.incrementAndGet(RESTARTS);
        } else if (verdict == Continuity.COUNTERS_RESET) {
            counts.incrementAndGet(RESETS);
        }
        bootId = hello.getBootId();
        lastSeq = sample.getSeq();
        previous.keep(sample);
        counts.incrementAndGet(ACCEPTED);
        sink.guestSample(hello, sample, verdict, nowNanos);
        return lastSeq;
    }

    synchronized void connected(GuestStream from, Hello hello) {
        if (from == current) {
            sink.guestConnected(hello);
        }
    }

    synchronized void disconnected(GuestStream from, String reason) {
        if (from == current) {
            current = null;
            sink.guestDisconnected(reason);
        }
    }
}
