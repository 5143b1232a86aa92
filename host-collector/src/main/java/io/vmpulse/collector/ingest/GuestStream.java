package io.vmpulse.collector.ingest;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.Ack;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.proto.v1.SetInterval;
import io.vmpulse.proto.v1.Welcome;

/**
 * One gRPC stream from a guest, served with manual flow control: the next message is requested only
 * when the VM's token bucket has a token, so a flooding guest is slowed at the transport (its
 * HTTP/2 window fills) instead of costing the collector CPU or memory.
 *
 * <p>Outbound, only the latest cumulative Ack matters. It is sent once per {@link #ACK_EVERY}
 * samples or, at the next sample, once {@link #ACK_AFTER_NANOS} have passed: at a thousand VMs an
 * Ack per sample was a third of ingest's CPU, while the agent only needs Acks to free its buffer.
 * Samples it still holds unacknowledged are safe: on a reconnect the Welcome tells it what is here,
 * and a guest that half-closes the stream gets the pending Ack before the stream ends. And an Ack
 * is sent only while the stream is ready, so a guest that never reads cannot make the collector
 * queue Acks without bound.
 */
final class GuestStream implements StreamObserver<AgentMessage> {

    static final int ACK_EVERY = 8;
    static final long ACK_AFTER_NANOS = 5_000_000_000L;

    private final GuestLink link;
    private final ServerCallStreamObserver<CollectorMessage> out;
    private final Channel connection;

    // Written on the stream's serialized callback thread; read there and by the hello deadline.
    private volatile Hello hello;
    private int rejectsInARow;

    // Guarded by out (gRPC observers are not thread-safe).
    private boolean done;
    private long ackPending;
    private long ackSent;
    private long ackSentNanos = System.nanoTime();

    /**
     * @param connection the connection the stream came on; null when unknown
     */
    GuestStream(
            GuestLink link, ServerCallStreamObserver<CollectorMessage> out, Channel connection) {
        this.link = link;
        this.out = out;
        this.connection = connection;
    }

    void start() {
        out.disableAutoRequest();
        out.setOnReadyHandler(this::flushAck);
        out.setOnCancelHandler(() -> end("guest cancelled the stream"));
        out.request(1);
        link.later(this::helloDeadline, link.helloDeadlineNanos());
    }

    /**
     * A stream that never says hello would hold its connection forever: it is ended, and so is its
     * connection, since a guest that never half-closes keeps an ended stream open in HTTP/2.
     */
    private void helloDeadline() {
        if (hello == null && !isDone()) {
            link.countReject(
                    System.nanoTime(),
                    RejectReason.HELLO,
                    "no hello within "
                            + link.helloDeadlineNanos() / 1_000_000
                            + " ms; closing its connection");
            fail(Status.DEADLINE_EXCEEDED.withDescription("no hello in time"));
            if (connection != null) {
                connection.close();
            }
        }
    }

    private boolean isDone() {
        synchronized (out) {
            return done;
        }
    }

    boolean hasHello() {
        return hello != null;
    }

    @Override
    public void onNext(AgentMessage msg) {
        long now = System.nanoTime();
        if (AgentMessageMarshaller.isMalformed(msg)) {
            reject(now, RejectReason.MALFORMED, "malformed message (not a valid AgentMessage)");
            requestNext(now);
            return;
        }
        switch (msg.getBodyCase()) {
            case HELLO -> onHello(msg.getHello(), now);
            case SAMPLE -> onSample(msg.getSample(), now);
            default ->
                    reject(
                            now,
                            RejectReason.MALFORMED,
                            "message of a kind this collector does not know");
        }
        requestNext(now);
    }

    private void onHello(Hello h, long now) {
        if (hello != null) {
            reject(now, RejectReason.HELLO, "second hello on one stream");
            return;
        }
        String bad = link.checkHello(h);
        if (bad != null) {
            link.countReject(now, RejectReason.HELLO, bad + "; closing stream");
            fail(Status.INVALID_ARGUMENT.withDescription(bad));
            return;
        }
        hello = h;
        rejectsInARow = 0;
        send(
                CollectorMessage.newBuilder()
                        .setWelcome(Welcome.newBuilder().setLastSeq(link.lastSeqFor(h)))
                        .build());
        int interval = link.desiredIntervalMs();
        if (interval != 0 && interval != h.getIntervalMs()) {
            sendInterval(interval);
        }
        link.connected(this, h);
    }

    private void onSample(Sample s, long now) {
        if (hello == null) {
            link.countReject(now, RejectReason.HELLO, "sample before hello; closing stream");
            fail(Status.FAILED_PRECONDITION.withDescription("sample before hello"));
            return;
        }
        String bad = link.checkSample(s);
        if (bad != null) {
            reject(now, RejectReason.SAMPLE, bad);
            return;
        }
        rejectsInARow = 0;
        long ackable = link.accept(this, hello, s, now);
        if (ackable != 0) {
            ack(ackable, now);
        }
    }

    private void reject(long now, RejectReason reason, String what) {
        link.countReject(now, reason, "rejected " + what);
        if (++rejectsInARow >= link.rejectsBeforeAbuse()) {
            fail(
                    Status.RESOURCE_EXHAUSTED.withDescription(
                            rejectsInARow + " invalid messages in a row"));
        }
    }

    private void requestNext(long now) {
        synchronized (out) {
            if (done) {
                return;
            }
        }
        long wait = link.admit(now);
        if (wait == 0) {
            out.request(1);
            return;
        }
        link.later(() -> requestNext(System.nanoTime()), wait);
    }

    private void ack(long seq, long now) {
        synchronized (out) {
            ackPending = Math.max(ackPending, seq);
            if (ackPending - ackSent < ACK_EVERY && now - ackSentNanos < ACK_AFTER_NANOS) {
                return;
            }
        }
        flushAck();
    }

    private void flushAck() {
        synchronized (out) {
            if (done || ackPending == 0 || !out.isReady()) {
                return;
            }
            out.onNext(
                    CollectorMessage.newBuilder()
                            .setAck(Ack.newBuilder().setSeq(ackPending))
                            .build());
            ackSent = ackPending;
            ackSentNanos = System.nanoTime();
            ackPending = 0;
        }
    }

    void sendInterval(int ms) {
        send(
                CollectorMessage.newBuilder()
                        .setSetInterval(SetInterval.newBuilder().setIntervalMs(ms))
                        .build());
    }

    private void send(CollectorMessage m) {
        synchronized (out) {
            if (!done) {
                out.onNext(m);
            }
        }
    }

    /** Another stream from the same VM took over. */
    void replaced() {
        fail(Status.ABORTED.withDescription("a newer stream from this VM replaced this one"));
    }

    void refuse(String why) {
        fail(Status.PERMISSION_DENIED.withDescription(why));
    }

    private void fail(Status status) {
        synchronized (out) {
            if (done) {
                return;
            }
            done = true;
            out.onError(status.asRuntimeException());
        }
        link.disconnected(this, status.getDescription());
    }

    @Override
    public void onError(Throwable t) {
        end(Status.fromThrowable(t).toString());
    }

    /**
     * The guest half-closed (an agent shutting down): it learns what is stored before the stream
     * ends.
     */
    @Override
    public void onCompleted() {
        flushAck();
        synchronized (out) {
            if (!done) {
                done = true;
                out.onCompleted();
            }
        }
        link.disconnected(this, "guest closed the stream");
    }

    private void end(String reason) {
        synchronized (out) {
            done = true;
        }
        link.disconnected(this, reason);
    }
}
