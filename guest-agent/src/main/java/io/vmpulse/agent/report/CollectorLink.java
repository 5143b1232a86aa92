package io.vmpulse.agent.report;

import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.agent.transport.Connections;
import io.vmpulse.agent.transport.GrpcCall;
import io.vmpulse.agent.transport.GrpcStatus;
import io.vmpulse.agent.wire.AgentMessages;
import io.vmpulse.agent.wire.CollectorMessages;
import io.vmpulse.agent.wire.SampleBuffer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The link to the collector: keeps one {@code Report} call open and writes the ring into it. Two
 * threads share the work, and neither ever waits for the other:
 *
 * <ul>
 *   <li>{@code vmpulse-link} connects, sends Hello, then reads the call until it ends (Welcome,
 *       Acks, SetInterval, and HTTP/2's own frames), and reconnects with backoff;
 *   <li>the sampling thread, in its {@link SamplingLoop.Sender} turns, writes the samples after the
 *       cursor with {@link GrpcCall#trySendMessage}, which never waits: what the server's window or
 *       the socket cannot take now stays in the ring (or, for the tail of a frame the socket took
 *       only part of, in the call), and the turn asks to come back a little later. It also ends a
 *       call whose Welcome is late.
 * </ul>
 *
 * <pre>
 *   connect --Hello--> awaiting Welcome --Welcome(last_seq)--> streaming --error/end--> backoff --> connect
 *                          |  no Welcome in WELCOME_TIMEOUT: cancel ------------------------^
 * </pre>
 *
 * <p>Seq numbers a guest boot's samples, across agent restarts: the collector drops any seq of a
 * boot it already holds as a duplicate, so an agent that started again at 1 would have its first
 * samples thrown away. The ring numbers this process's samples from 1 (it starts sampling before
 * anyone has told it where to start), and the first Welcome of the process sets {@link #seqBase},
 * what the collector already holds of this boot from the agents before this one; on the wire a
 * sample is ring seq + base. Samples a killed agent took but never sent are gone without a gap in
 * seq: the next agent continues right after the last one the collector got. The collector is the
 * one place that knows what was published, so nothing is kept in the guest for this (a file in /run
 * would cost a write per sample and a writable directory).
 *
 * <p>On Welcome the ring forgets every seq <= last_seq and the cursor starts there, so the rest go
 * out oldest first and then live ones follow: none lost, none duplicated. A Welcome below the base
 * (a collector that restarted and holds nothing) leaves everything buffered to be sent. A sample
 * leaves the ring only when an Ack covers it. A slow collector makes samples wait in the ring,
 * never in a transport buffer, and the sampler is never held up.
 *
 * <p>Welcome and end-of-call arrive on {@code vmpulse-link} and reach the sampling thread through
 * {@link Session}'s volatile fields; Acks and SetInterval are applied there directly (both are
 * thread-safe). The cursor is written by {@code vmpulse-link} before Welcome is published and only
 * by the sampling thread after.
 */
final class CollectorLink implements Runnable, SamplingLoop.Sender {

    /** How long a collector may take to answer Hello before the call is dropped and retried. */
    static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** How long a polite shutdown waits for the collector to end the half-closed call. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    static final String METHOD_PATH = "/vmpulse.agent.v1.GuestReport/Report";

    /**
     * The collector only sends small control messages (Welcome, Ack, SetInterval): anything bigger
     * is a broken or hostile peer, and the call fails instead of buffering it.
     */
    static final int MAX_INBOUND_MESSAGE_BYTES = 4096;

    /**
     * When the socket or the window is full, the next try comes after this, doubling up to {@link
     * #MAX_RETRY_NANOS}; a sample in between tries too.
     */
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final CollectorAddress collector;
    private final SampleRing ring;
    private final SamplingLoop sampling;
    private final Supplier<byte[]> hello;
    private final Backoff backoff;
    private final Thread thread = new Thread(this, "vmpulse-link");

    /**
     * The sample being sent, copied out of the ring so that the ring's lock is not held while
     * writing.
     */
    private final SampleBuffer outgoing = new SampleBuffer();

    /**
     * Wire seq minus ring seq, fixed by the first Welcome; -1 until then. Written by {@code
     * vmpulse-link} before it publishes the Welcome, read after that by the sampling thread.
     */
    private volatile long seqBase = -1;

    private byte[] message = new byte[1024];
    private long retryNanos = FIRST_RETRY_NANOS;
    private volatile boolean closed;
    private volatile Session current;
    private boolean unknownMessageLogged;

    /** Why the last attempt failed; repeated failures for the same reason are logged once. */
    private String lastFailure;

    CollectorLink(
            CollectorAddress collector,
            SampleRing ring,
            SamplingLoop sampling,
            Supplier<byte[]> hello,
            Backoff backoff) {
        this.collector = collector;
        this.ring = ring;
        this.sampling = sampling;
        this.hello = hello;
        this.backoff = backoff;
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Ends the call politely (half-close, then a short wait for the collector to end it) and stops
     * reconnecting; a call whose socket does not take the half-close within {@link #CLOSE_GRACE} is
     * cut instead. Call after the sampling thread has stopped.
     */
    void close() throws InterruptedException {
        closed = true;
        LockSupport.unpark(thread);
        Session session = current;
        if (session != null) {
            session.finish();
        }
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Override
    public void run() {
        while (!closed) {
            String failure;
            boolean welcomed = false;
            try {
                Session session = connect();
                session.call.readUntilEnd();
                welcomed = session.welcomed;
                failure = session.endReason("the call ended");
            } catch (IOException e) {
                failure = e.getMessage() != null ? e.getMessage() : e.toString();
            } finally {
                current = null;
            }
            if (!closed) {
                waitToReconnect(welcomed, failure);
            }
        }
    }

    private Session connect() throws IOException {
        Session session = new Session();
        session.call =
                GrpcCall.open(
                        Connections.open(collector, CONNECT_TIMEOUT),
                        authority(collector),
                        METHOD_PATH,
                        session,
                        MAX_INBOUND_MESSAGE_BYTES);
        byte[] helloBytes = hello.get();
        try {
            session.call.sendMessage(helloBytes, 0, helloBytes.length);
        } catch (IOException e) {
            session.call.close();
            throw e;
        }
        session.welcomeDeadline = System.nanoTime() + WELCOME_TIMEOUT.toNanos();
        current = session;
        if (closed) {
            // close() ran before this session was current, so it could not end it.
            session.call.cancel();
        }
        // The sampling thread keeps the Welcome deadline.
        sampling.sendSoon();
        return session;
    }

    /** On the sampling thread: writes what the call takes now; see the class comment. */
    @Override
    public long send(long nowNanos) {
        Session session = current;
        if (session == null || session.ended) {
            return Long.MAX_VALUE;
        }
        if (!session.welcomed) {
            long left = session.welcomeDeadline - nowNanos;
            if (left > 0) {
                return left;
            }
            session.end("no Welcome within " + WELCOME_TIMEOUT.toMillis() + " ms");
            session.call.cancel();
            return Long.MAX_VALUE;
        }
        try {
            if (!session.call.tryFlush()) {
                return retryLater(); // the last message's tail still waits for room
            }
            while (true) {
                long dropped = ring.copyAfter(session.cursor, outgoing);
                if (dropped < 0) {
                    break;
                }
                int length =
                        AgentMessages.writeSample(
                                outgoing, seqBase + outgoing.seq(), dropped, message(outgoing), 0);
                if (!session.call.trySendMessage(message, 0, length)) {
                    return retryLater();
                }
                session.cursor = outgoing.seq();
                retryNanos = FIRST_RETRY_NANOS;
            }
            // All sent but perhaps the tail of the last frame, which the next try pushes on.
            return session.call.hasPending() ? retryLater() : Long.MAX_VALUE;
        } catch (IOException e) {
            // The call has ended; vmpulse-link sees that too and reconnects.
            return Long.MAX_VALUE;
        }
    }

    private long retryLater() {
        long wait = retryNanos;
        retryNanos = Math.min(wait * 2, MAX_RETRY_NANOS);
        return wait;
    }

    private void waitToReconnect(boolean welcomed, String failure) {
        long delay = backoff.nextDelayNanos();
        if (welcomed) {
            LogLine.warning(
                    CollectorLink.class,
                    "disconnected from "
                            + collector
                            + ": "
                            + failure
                            + "; reconnecting with backoff");
        } else if (!failure.equals(lastFailure)) {
            LogLine.warning(
                    CollectorLink.class,
                    "cannot reach "
                            + collector
                            + ": "
                            + failure
                            + "; retrying with backoff up to "
                            + Backoff.CAP.toSeconds()
                            + " s");
        }
        lastFailure = welcomed ? null : failure;
        long deadline = System.nanoTime() + delay;
        for (long left = delay; left > 0 && !closed; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * One call and what this side knows about it. Fields written by the reading thread are
     * volatile.
     */
    private final class Session implements GrpcCall.Listener, CollectorMessages.Handler {
        GrpcCall call;
        long welcomeDeadline;

        /** The last seq written on this call; see the class comment for who writes it when. */
        long cursor;

        volatile boolean welcomed;
        volatile boolean ended;
        volatile String endedBecause;

        String endReason(String otherwise) {
            String because = endedBecause;
            return because != null ? because : otherwise;
        }

        /**
         * Half-closes and waits a little for the collector's end, if the call is streaming and the
         * socket takes the half-close within {@link #CLOSE_GRACE}; then cuts the call.
         */
        void finish() {
            if (welcomed && !ended) {
                try {
                    if (call.halfClose(CLOSE_GRACE)) {
                        synchronized (this) {
                            long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
                            for (long left = CLOSE_GRACE.toNanos();
                                    !ended && left > 0;
                                    left = deadline - System.nanoTime()) {
                                TimeUnit.NANOSECONDS.timedWait(this, left);
                            }
                        }
                    }
                } catch (IOException e) {
                    // The call is gone already: nothing left to be polite to.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            call.cancel();
        }

        @Override
        public void onMessage(byte[] buffer, int offset, int length) {
            try {
                CollectorMessages.decode(buffer, offset, length, this);
            } catch (IOException e) {
                end("the collector sent a malformed message: " + e.getMessage());
                call.cancel();
            }
        }

        @Override
        public void onClose(GrpcStatus status) {
            end(status.toString());
        }

        private void end(String reason) {
            synchronized (this) {
                if (!ended) {
                    endedBecause = reason;
                    ended = true;
                }
                notifyAll();
            }
        }

        @Override
        public void welcome(long lastSeq) {
            if (welcomed || ended) {
                return;
            }
            if (seqBase < 0) {
                // Never below 0: a collector only holds seqs below 2^63 (it refuses larger ones).
                seqBase = Math.max(0, lastSeq);
            }
            cursor = lastSeq - seqBase;
            ring.ackUpTo(cursor);
            welcomed = true;
            backoff.reset();
            LogLine.info(
                    CollectorLink.class,
                    "connected to "
                            + collector
                            + "; it holds samples of this boot up to seq "
                            + Long.toUnsignedString(lastSeq)
                            + ", "
                            + ring.size()
                            + " buffered to send");
            sampling.sendSoon();
        }

        @Override
        public void ack(long seq) {
            long base = seqBase;
            if (base >= 0) {
                ring.ackUpTo(seq - base);
            }
        }

        @Override
        public void setInterval(int requestedMs) {
            // uint32 on the wire: read it unsigned so a huge request clamps to the maximum.
            Duration requested = Duration.ofMillis(Integer.toUnsignedLong(requestedMs));
            Duration before = sampling.interval();
            Duration taken = sampling.setInterval(requested);
            if (!taken.equals(before)) {
                LogLine.info(
                        CollectorLink.class,
                        "sampling interval changed by the collector to "
                                + taken.toMillis()
                                + " ms"
                                + (taken.equals(requested)
                                        ? ""
                                        : " (asked " + requested.toMillis() + " ms, clamped)"));
            }
        }

        @Override
        public void unknown() {
            if (!unknownMessageLogged) {
                LogLine.info(
                        CollectorLink.class,
                        "ignoring a collector message this agent does not know (logged once)");
                unknownMessageLogged = true;
            }
        }
    }

    /** HTTP/2 wants an authority; only TCP has a meaningful one. */
    private static String authority(CollectorAddress address) {
        String uri = address.toString();
        return address instanceof CollectorAddress.Tcp
                ? uri.substring("tcp://".length())
                : "localhost";
    }

    private byte[] message(SampleBuffer sample) {
        int needed = AgentMessages.maxSampleLength(sample);
        if (message.length < needed) {
            message = new byte[Math.max(needed, message.length * 2)];
        }
        return message;
    }
}
