package io.vmpulse.agent.report;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The sender: keeps one {@code Report} stream to the collector open, reconnecting with backoff, and
 * drains the ring into it.
 *
 * <pre>
 *   connect --Hello--> awaiting Welcome --Welcome(last_seq)--> streaming --error/end--> backoff --> connect
 *                          |  no Welcome in WELCOME_TIMEOUT: cancel --------------------^
 * </pre>
 *
 * <p>On Welcome the ring forgets every seq <= last_seq and the cursor starts there, so the rest go
 * out oldest first and then live ones follow: none lost, none duplicated. Samples are written only
 * while the stream {@code isReady()} (gRPC flow control) and resumed from its on-ready callback, so
 * a slow collector makes samples wait in the ring, never in an unbounded transport buffer. A sample
 * leaves the ring only when an Ack covers it.
 *
 * <p>All state is confined to one I/O event loop; callbacks that gRPC delivers on other threads are
 * handed over to it.
 */
final class CollectorLink {

    /** How long a collector may take to answer Hello before the stream is dropped and retried. */
    static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = Logger.getLogger(CollectorLink.class.getName());

    private final String collector;
    private final ManagedChannel channel;
    private final EventLoop loop;
    private final SampleRing ring;
    private final SamplingLoop sampling;
    private final Supplier<Hello> hello;
    private final Backoff backoff;
    private final Runnable drainCurrent = this::drainCurrent;

    /** The stream being opened or used; null while waiting to reconnect. Event loop only. */
    private Stream current;
    private boolean closed;
    private boolean unknownMessageLogged;
    /** Why the last attempt failed; repeated failures for the same reason are logged once. */
    private String lastFailure;

    CollectorLink(String collector, ManagedChannel channel, EventLoop loop, SampleRing ring,
            SamplingLoop sampling, Supplier<Hello> hello, Backoff backoff) {
        this.collector = collector;
        this.channel = channel;
        this.loop = loop;
        this.ring = ring;
        this.sampling = sampling;
        this.hello = hello;
        this.backoff = backoff;
    }

    void start() {
        loop.execute(this::connect);
    }

    /** New samples are in the ring. Callable from any thread. */
    void wake() {
        loop.execute(drainCurrent);
    }

    /** Ends the stream politely (half-close) and stops reconnecting. */
    void close() {
        onLoop(() -> {
            closed = true;
            if (current != null) {
                current.welcomeTimeout.cancel(false);
                current.requests.onCompleted();
                current = null;
            }
        });
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        // gRPC keeps its own reconnect backoff (1 s growing to 2 min); ours decides when to retry.
        channel.resetConnectBackoff();
        Stream stream = new Stream();
        current = stream;
        stream.welcomeTimeout = loop.schedule(() -> stream.requests.cancel(
                "no Welcome within " + WELCOME_TIMEOUT.toMillis() + " ms", null),
                WELCOME_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        GuestReportGrpc.newStub(channel).report(stream);
        if (current == stream) {
            stream.requests.onNext(AgentMessage.newBuilder().setHello(hello.get()).build());
        }
    }

    private void drainCurrent() {
        if (current != null) {
            current.drain();
        }
    }

    /** One attempt: a gRPC call and what this side knows about it. */
    private final class Stream implements ClientResponseObserver<AgentMessage, CollectorMessage> {
        ClientCallStreamObserver<AgentMessage> requests;
        ScheduledFuture<?> welcomeTimeout;
        boolean welcomed;
        /** Highest seq written to this stream, or that the collector said it holds. */
        long cursor;

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
            requests = requestStream;
            requestStream.setOnReadyHandler(() -> onLoop(this::drain));
        }

        @Override
        public void onNext(CollectorMessage message) {
            onLoop(() -> received(message));
        }

        @Override
        public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            String reason = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
            onLoop(() -> ended(reason));
        }

        @Override
        public void onCompleted() {
            onLoop(() -> ended("the collector ended the stream"));
        }

        private void received(CollectorMessage message) {
            if (current != this) {
                return;
            }
            switch (message.getBodyCase()) {
                case WELCOME:
                    welcomed(message.getWelcome().getLastSeq());
                    break;
                case ACK:
                    ring.ackUpTo(message.getAck().getSeq());
                    break;
                case SET_INTERVAL:
                    setInterval(message.getSetInterval().getIntervalMs());
                    break;
                default:
                    if (!unknownMessageLogged) {
                        LOG.info("ignoring a collector message this agent does not know (logged once)");
                        unknownMessageLogged = true;
                    }
            }
        }

        private void welcomed(long lastSeq) {
            if (welcomed) {
                return;
            }
            welcomed = true;
            welcomeTimeout.cancel(false);
            backoff.reset();
            ring.ackUpTo(lastSeq);
            cursor = lastSeq;
            LOG.info("connected to " + collector + "; it holds samples up to seq " + lastSeq + ", "
                    + ring.size() + " buffered to send");
            drain();
        }

        private void setInterval(int requestedMs) {
            // uint32 on the wire: read it unsigned so a huge request clamps to the maximum.
            Duration requested = Duration.ofMillis(Integer.toUnsignedLong(requestedMs));
            Duration before = sampling.interval();
            Duration taken = sampling.setInterval(requested);
            if (!taken.equals(before)) {
                LOG.info("sampling interval changed by the collector to " + taken.toMillis() + " ms"
                        + (taken.equals(requested) ? "" : " (asked " + requested.toMillis() + " ms, clamped)"));
            }
        }

        void drain() {
            if (current != this || !welcomed) {
                return;
            }
            while (requests.isReady()) {
                Sample next = ring.after(cursor);
                if (next == null) {
                    return;
                }
                requests.onNext(AgentMessage.newBuilder().setSample(next).build());
                cursor = next.getSeq();
            }
        }

        private void ended(String reason) {
            if (current != this) {
                return;
            }
            current = null;
            welcomeTimeout.cancel(false);
            if (closed) {
                return;
            }
            long delay = backoff.nextDelayNanos();
            if (welcomed) {
                LOG.warning("disconnected from " + collector + ": " + reason + "; reconnecting with backoff");
            } else if (!reason.equals(lastFailure)) {
                LOG.warning("cannot reach " + collector + ": " + reason + "; retrying with backoff up to "
                        + Backoff.CAP.toSeconds() + " s");
            }
            lastFailure = welcomed ? null : reason;
            loop.schedule(CollectorLink.this::connect, delay, TimeUnit.NANOSECONDS);
        }
    }
}
