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
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The sender: one thread, {@code vmpulse-link}, that keeps one {@code Report} call to the collector
 * open, reconnecting with backoff, and writes the ring into it.
 *
 * <pre>
 *   connect --Hello--> awaiting Welcome --Welcome(last_seq)--> streaming --error/end--> backoff --> connect
 *                          |  no Welcome in WELCOME_TIMEOUT: close ------------------------^
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
 * leaves the ring only when an Ack covers it. {@link GrpcCall#sendMessage} blocks while the
 * collector's HTTP/2 window is full, so a slow collector makes samples wait in the ring, never in a
 * transport buffer, and the sampler, which only appends to the ring, is never held up.
 *
 * <p>What the collector says arrives on the call's reader thread ({@code vmpulse-io}): Welcome and
 * end-of-call are handed to this thread through {@link Session}'s fields and the ring's monitor;
 * Acks and SetInterval are applied there directly (both are thread-safe).
 */
final class CollectorLink implements Runnable {

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
     * Upper bound on a wait for the next sample; ends are signalled, this only bounds a missed one.
     */
    private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

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
     * Wire seq minus ring seq, fixed by the first Welcome; -1 until then. Written by this thread,
     * read by the reader thread's Acks (which only follow samples sent after it was set).
     */
    private volatile long seqBase = -1;

    private byte[] message = new byte[1024];
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
     * reconnecting. A call stuck behind a full flow-control window is cut instead.
     */
    void close() throws InterruptedException {
        closed = true;
        ring.wakeWaiters();
        LockSupport.unpark(thread);
        thread.join(CLOSE_GRACE.toMillis() * 2);
        Session session = current;
        if (session != null) {
            session.call.close();
        }
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Override
    public void run() {
        while (!closed) {
            String failure;
            boolean welcomed;
            Session session = null;
            try {
                session = connect();
                welcomed = session.awaitWelcome();
                failure =
                        welcomed
                                ? session.stream()
                                : session.endReason(
                                        "no Welcome within " + WELCOME_TIMEOUT.toMillis() + " ms");
            } catch (IOException e) {
                welcomed = session != null && session.welcomed;
                failure = e.getMessage() != null ? e.getMessage() : e.toString();
            } catch (InterruptedException e) {
                break;
            } finally {
                if (session != null) {
                    session.finish(closed);
                    current = null;
                }
            }
            if (!closed) {
                waitToReconnect(welcomed, failure);
            }
        }
    }

    private Session connect() throws IOException {
        Session session = new Session();
        session.call =
                GrpcCall.start(
                        Connections.open(collector, CONNECT_TIMEOUT),
                        authority(collector),
                        METHOD_PATH,
                        session,
                        MAX_INBOUND_MESSAGE_BYTES);
        current = session;
        byte[] helloBytes = hello.get();
        try {
            session.call.sendMessage(helloBytes, 0, helloBytes.length);
        } catch (IOException e) {
            current = null;
            session.call.close();
            throw e;
        }
        return session;
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
     * One call and what this side knows about it. Fields written by the reader thread are volatile.
     */
    private final class Session implements GrpcCall.Listener, CollectorMessages.Handler {
        GrpcCall call;
        volatile boolean welcomed;
        volatile long welcomeSeq;
        volatile boolean ended;
        volatile String endedBecause;

        /** Made once, as a class: no lambdas in the agent (see AgentMain). */
        private final BooleanSupplier stopStreaming =
                new BooleanSupplier() {
                    @Override
                    public boolean getAsBoolean() {
                        return ended || closed;
                    }
                };

        /** Whether a Welcome came before the timeout, the end of the call, or {@link #close()}. */
        synchronized boolean awaitWelcome() throws InterruptedException {
            long deadline = System.nanoTime() + WELCOME_TIMEOUT.toNanos();
            for (long left = WELCOME_TIMEOUT.toNanos();
                    !welcomed && !ended && !closed && left > 0;
                    left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return welcomed && !ended;
        }

        /** Writes the ring into the call until it ends or the link closes; returns why it ended. */
        String stream() throws IOException, InterruptedException {
            backoff.reset();
            long held = welcomeSeq;
            if (seqBase < 0) {
                // Never below 0: a collector only holds seqs below 2^63 (it refuses larger ones).
                seqBase = Math.max(0, held);
            }
            long base = seqBase;
            long cursor = held - base;
            ring.ackUpTo(cursor);
            LogLine.info(
                    CollectorLink.class,
                    "connected to "
                            + collector
                            + "; it holds samples of this boot up to seq "
                            + Long.toUnsignedString(held)
                            + ", "
                            + ring.size()
                            + " buffered to send");
            while (!ended && !closed) {
                long dropped = ring.copyAfter(cursor, outgoing);
                if (dropped < 0) {
                    ring.awaitAfter(cursor, IDLE_WAIT_NANOS, stopStreaming);
                    continue;
                }
                int length =
                        AgentMessages.writeSample(
                                outgoing, base + outgoing.seq(), dropped, message(outgoing), 0);
                call.sendMessage(message, 0, length);
                cursor = outgoing.seq();
            }
            return endReason("the call ended");
        }

        String endReason(String otherwise) {
            String because = endedBecause;
            return because != null ? because : otherwise;
        }

        /**
         * Half-closes and waits a little for the collector's end when shutting down; then cuts the
         * call.
         */
        void finish(boolean polite) {
            if (polite && welcomed && !ended) {
                try {
                    call.halfClose();
                    synchronized (this) {
                        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
                        for (long left = CLOSE_GRACE.toNanos();
                                !ended && left > 0;
                                left = deadline - System.nanoTime()) {
                            TimeUnit.NANOSECONDS.timedWait(this, left);
                        }
                    }
                } catch (IOException e) {
                    // The call is gone already: nothing left to be polite to.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            call.close();
        }

        @Override
        public void onMessage(byte[] buffer, int offset, int length) {
            try {
                CollectorMessages.decode(buffer, offset, length, this);
            } catch (IOException e) {
                end("the collector sent a malformed message: " + e.getMessage());
                call.close();
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
            ring.wakeWaiters();
        }

        @Override
        public void welcome(long lastSeq) {
            synchronized (this) {
                if (welcomed) {
                    return;
                }
                welcomeSeq = lastSeq;
                welcomed = true;
                notifyAll();
            }
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
