package io.vmpulse.bench.load;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One hostile VM, doing at once everything a guest can do to a collector's shared resources over
 * its own socket:
 *
 * <ul>
 *   <li>a flood: one stream sending valid samples at {@code floodPerSecond} (10,000 a second by
 *       default), reopened at once whenever the collector ends it;
 *   <li>oversized messages: {@code oversizedPerSecond} streams a second, each opening with a 1 MiB
 *       message of unknown fields (eight times the collector's default limit);
 *   <li>a reconnect storm: {@code stormPerSecond} connections a second that send the HTTP/2 preface
 *       and close at once;
 *   <li>idle connections: {@code idle} connections that never say anything, each reopened as soon
 *       as the collector closes it.
 * </ul>
 *
 * The gRPC parts run on one event loop of their own and the raw-socket parts on one thread, so the
 * well-behaved {@link GuestFleet} beside it keeps its own thread.
 */
final class HostileGuest implements AutoCloseable {

    private static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
    private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

    private static final int OVERSIZED_BYTES = 1 << 20;

    private final String socket;
    private final int floodPerSecond;
    private final int oversizedPerSecond;
    private final int stormPerSecond;
    private final int idle;

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final ManagedChannel floodChannel;
    private final ManagedChannel oversizedChannel;
    private final Thread raw;
    private final Hello hello;
    private final Sample real;
    private final AgentMessage oversized;
    private volatile boolean stopped;

    private final AtomicLong floodAttempted = new AtomicLong();
    private final AtomicLong floodSent = new AtomicLong();
    private final AtomicLong floodStreamsEnded = new AtomicLong();
    private final AtomicLong oversizedSent = new AtomicLong();
    private final AtomicLong oversizedEnded = new AtomicLong();
    private final AtomicLong stormConnects = new AtomicLong();
    private final AtomicLong stormFailures = new AtomicLong();
    private final AtomicLong idleOpened = new AtomicLong();

    // Flood state: event loop only.
    private ClientCallStreamObserver<AgentMessage> flood;
    private long seq;
    private long floodCarry;

    HostileGuest(
            String socket, int floodPerSecond, int oversizedPerSecond, int stormPerSecond, int idle)
            throws Exception {
        this.socket = socket;
        this.floodPerSecond = floodPerSecond;
        this.oversizedPerSecond = oversizedPerSecond;
        this.stormPerSecond = stormPerSecond;
        this.idle = idle;
        Hello.Builder identity = GuestFleet.identity();
        this.real = GuestFleet.realSample(identity);
        this.hello =
                identity.setBootId(UUID.randomUUID().toString())
                        .setAgentInstance(UUID.randomUUID().toString())
                        .setIntervalMs(1)
                        .build();
        this.oversized =
                AgentMessage.newBuilder()
                        .setUnknownFields(
                                UnknownFieldSet.newBuilder()
                                        .addField(
                                                1000,
                                                UnknownFieldSet.Field.newBuilder()
                                                        .addLengthDelimited(
                                                                ByteString.copyFrom(
                                                                        new byte[OVERSIZED_BYTES]))
                                                        .build())
                                        .build())
                        .build();
        this.group =
                new MultiThreadIoEventLoopGroup(
                        1,
                        new DefaultThreadFactory("hostile-io", true),
                        EpollIoHandler.newFactory());
        this.loop = group.next();
        this.floodChannel = GuestFleet.channel(group, socket);
        this.oversizedChannel = GuestFleet.channel(group, socket);
        this.raw = new Thread(this::rawSockets, "hostile-raw");
        this.raw.setDaemon(true);
    }

    void start() {
        loop.execute(this::openFlood);
        // The flood sends in bursts every millisecond: a timer per message would cost this driver
        // more than the collector.
        loop.scheduleAtFixedRate(this::floodTick, 1, 1, TimeUnit.MILLISECONDS);
        if (oversizedPerSecond > 0) {
            long every = TimeUnit.SECONDS.toNanos(1) / oversizedPerSecond;
            loop.scheduleAtFixedRate(this::sendOversized, every, every, TimeUnit.NANOSECONDS);
        }
        raw.start();
    }

    private void openFlood() {
        if (stopped) {
            return;
        }
        GuestReportGrpc.newStub(floodChannel).report(new FloodObserver());
        flood.onNext(AgentMessage.newBuilder().setHello(hello).build());
    }

    private void floodTick() {
        if (stopped) {
            return;
        }
        floodCarry += floodPerSecond;
        int burst = (int) (floodCarry / 1000);
        floodCarry %= 1000;
        floodAttempted.addAndGet(burst);
        ClientCallStreamObserver<AgentMessage> s = flood;
        for (int i = 0; i < burst && s != null && s.isReady(); i++) {
            s.onNext(
                    AgentMessage.newBuilder()
                            .setSample(
                                    real.toBuilder()
                                            .setSeq(++seq)
                                            .setMonotonicNs(System.nanoTime())
                                            .setIntervalMs(1))
                            .build());
            floodSent.incrementAndGet();
        }
    }

    /** The flood's stream; reopened at once when the collector ends it. */
    private final class FloodObserver
            implements ClientResponseObserver<AgentMessage, CollectorMessage> {
        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> s) {
            flood = s;
        }

        @Override
        public void onNext(CollectorMessage m) {}

        @Override
        public void onError(Throwable t) {
            ended();
        }

        @Override
        public void onCompleted() {
            ended();
        }

        private void ended() {
            floodStreamsEnded.incrementAndGet();
            flood = null;
            loop.schedule(HostileGuest.this::openFlood, 10, TimeUnit.MILLISECONDS);
        }
    }

    private void sendOversized() {
        if (stopped) {
            return;
        }
        ClientResponseObserver<AgentMessage, CollectorMessage> o =
                new ClientResponseObserver<>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<AgentMessage> s) {}

                    @Override
                    public void onNext(CollectorMessage m) {}

                    @Override
                    public void onError(Throwable t) {
                        oversizedEnded.incrementAndGet();
                    }

                    @Override
                    public void onCompleted() {
                        oversizedEnded.incrementAndGet();
                    }
                };
        GuestReportGrpc.newStub(oversizedChannel).report(o).onNext(oversized);
        oversizedSent.incrementAndGet();
    }

    /** The reconnect storm and the idle connections, on one plain thread. */
    private void rawSockets() {
        List<SocketChannel> idlers = new ArrayList<>();
        long stormEvery = stormPerSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / stormPerSecond : 0;
        long nextStorm = System.nanoTime();
        long nextIdleCheck = System.nanoTime();
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        while (!stopped) {
            long now = System.nanoTime();
            if (stormEvery > 0 && now >= nextStorm) {
                storm();
                nextStorm += stormEvery;
                if (nextStorm < now - TimeUnit.SECONDS.toNanos(1)) {
                    nextStorm = now; // fell behind: no catch-up burst
                }
            }
            if (now >= nextIdleCheck) {
                keepIdle(idlers, scratch);
                nextIdleCheck = now + TimeUnit.MILLISECONDS.toNanos(100);
            }
            long wake = stormEvery > 0 ? Math.min(nextStorm, nextIdleCheck) : nextIdleCheck;
            LockSupport.parkNanos(Math.max(0, wake - System.nanoTime()));
        }
        for (SocketChannel c : idlers) {
            closeQuietly(c);
        }
    }

    private void storm() {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            c.write(ByteBuffer.wrap(PREFACE));
            c.write(ByteBuffer.wrap(EMPTY_SETTINGS));
            stormConnects.incrementAndGet();
        } catch (IOException e) {
            stormFailures.incrementAndGet();
        }
    }

    /** Drops the idle connections the collector closed and opens new ones up to {@code idle}. */
    private void keepIdle(List<SocketChannel> idlers, ByteBuffer scratch) {
        idlers.removeIf(
                c -> {
                    try {
                        scratch.clear();
                        if (c.read(scratch) < 0) {
                            c.close();
                            return true;
                        }
                        return false;
                    } catch (IOException e) {
                        closeQuietly(c);
                        return true;
                    }
                });
        while (idlers.size() < idle) {
            try {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                c.configureBlocking(false);
                idlers.add(c);
                idleOpened.incrementAndGet();
            } catch (IOException e) {
                return; // refused now; try again at the next check
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a socket the collector already dropped
        }
    }

    String status() {
        return "hostile: flood attempted="
                + floodAttempted.get()
                + " sent="
                + floodSent.get()
                + " streams_ended="
                + floodStreamsEnded.get()
                + "; oversized sent="
                + oversizedSent.get()
                + " ended="
                + oversizedEnded.get()
                + "; storm connects="
                + stormConnects.get()
                + " refused="
                + stormFailures.get()
                + "; idle opened="
                + idleOpened.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        raw.join(TimeUnit.SECONDS.toMillis(5));
        floodChannel.shutdownNow();
        oversizedChannel.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
