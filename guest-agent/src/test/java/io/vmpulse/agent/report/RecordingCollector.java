package io.vmpulse.agent.report;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.Ack;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.proto.v1.SetInterval;
import io.vmpulse.proto.v1.Welcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A collector stand-in for the tests: a real gRPC server on a Unix socket that behaves as the
 * session protocol says. It answers Hello with Welcome(last seq it holds), stores every sample
 * whose seq is new, counts any it already had as a duplicate, and acknowledges cumulatively. What
 * it has stored survives {@link #stop()} and {@link #start()}, as a collector's store survives a
 * restart.
 */
final class RecordingCollector implements AutoCloseable {

    private final Path socket;

    /** Stops reading after the Hello, so that HTTP/2 flow control pushes back on the agent. */
    private final boolean stallAfterHello;

    /** A tiny HTTP/2 window when stalling, so that the push-back comes after a few samples. */
    private static final int STALLING_WINDOW_BYTES = 1024;

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final List<Sample> samples = new ArrayList<>();
    private final List<Hello> hellos = new ArrayList<>();
    private int duplicates;
    private int halfCloses;
    private boolean withholdAcks;
    private long lastSeq;
    private Server server;
    private ServerCallStreamObserver<CollectorMessage> stream;

    RecordingCollector(Path socket) {
        this(socket, false);
    }

    RecordingCollector(Path socket, boolean stallAfterHello) {
        this.socket = socket;
        this.stallAfterHello = stallAfterHello;
    }

    RecordingCollector start() throws IOException {
        Files.deleteIfExists(socket);
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()));
        if (stallAfterHello) {
            builder.flowControlWindow(STALLING_WINDOW_BYTES);
        }
        server =
                builder.channelType(EpollServerDomainSocketChannel.class)
                        .bossEventLoopGroup(group)
                        .workerEventLoopGroup(group)
                        .directExecutor()
                        .addService(new Service())
                        .build()
                        .start();
        return this;
    }

    /** Drops the listener and every open stream, as a crashed collector would. */
    void stop() throws InterruptedException {
        server.shutdownNow();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("test collector did not stop within 10 s");
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    synchronized List<Hello> hellos() {
        return List.copyOf(hellos);
    }

    /**
     * Stores samples but never acknowledges one, as a collector whose batched Ack had not gone out
     * yet: only the Welcome of the next stream tells the agent what is held.
     */
    synchronized RecordingCollector withholdAcks() {
        withholdAcks = true;
        return this;
    }

    /** Waits until an agent has half-closed a stream (its clean shutdown); false after limit. */
    synchronized boolean awaitHalfClose(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (long left = limit.toNanos(); halfCloses == 0 && left > 0; ) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
            left = deadline - System.nanoTime();
        }
        return halfCloses > 0;
    }

    private synchronized void halfClosed() {
        halfCloses++;
        notifyAll();
    }

    synchronized int duplicates() {
        return duplicates;
    }

    /** Sends SetInterval on the open stream; false when no agent is connected. */
    synchronized boolean setInterval(int intervalMs) {
        if (stream == null) {
            return false;
        }
        stream.onNext(
                CollectorMessage.newBuilder()
                        .setSetInterval(SetInterval.newBuilder().setIntervalMs(intervalMs))
                        .build());
        return true;
    }

    /**
     * Waits until the stored samples satisfy {@code condition}; fails the test after {@code limit}.
     */
    synchronized List<Sample> awaitSamples(Predicate<List<Sample>> condition, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(samples)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(
                        "collector did not get the expected samples within "
                                + limit
                                + "; it holds "
                                + samples.size()
                                + ", last seq "
                                + lastSeq);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return List.copyOf(samples);
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null) {
            stop();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private synchronized void hello(Hello hello, ServerCallStreamObserver<CollectorMessage> from) {
        hellos.add(hello);
        stream = from;
        from.onNext(
                CollectorMessage.newBuilder()
                        .setWelcome(Welcome.newBuilder().setLastSeq(lastSeq))
                        .build());
    }

    private synchronized void sample(Sample sample, StreamObserver<CollectorMessage> from) {
        if (sample.getSeq() <= lastSeq) {
            duplicates++;
        } else {
            samples.add(sample);
            lastSeq = sample.getSeq();
        }
        if (!withholdAcks) {
            from.onNext(
                    CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(lastSeq)).build());
        }
        notifyAll();
    }

    private final class Service extends GuestReportGrpc.GuestReportImplBase {
        @Override
        public StreamObserver<AgentMessage> report(StreamObserver<CollectorMessage> responses) {
            ServerCallStreamObserver<CollectorMessage> out =
                    (ServerCallStreamObserver<CollectorMessage>) responses;
            if (stallAfterHello) {
                out.disableAutoRequest();
                out.request(1);
            }
            return new StreamObserver<>() {
                @Override
                public void onNext(AgentMessage message) {
                    if (message.hasHello()) {
                        hello(message.getHello(), out);
                    } else {
                        sample(message.getSample(), out);
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    halfClosed();
                    out.onCompleted();
                }
            };
        }
    }
}
