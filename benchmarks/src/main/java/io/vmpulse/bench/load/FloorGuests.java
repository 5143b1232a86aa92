package io.vmpulse.bench.load;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The guest side of {@link GrpcMemoryFloor}, in a JVM of its own: one connection with one open
 * {@code GuestReport} stream to each of N Unix sockets, each stream having sent one Hello and got
 * one reply. Prints {@code ready N} once every stream has its reply, then holds them all open until
 * its standard input closes, and exits (which closes every connection at once).
 *
 * <p>Usage: {@code FloorGuests SOCKET_FORMAT N}, SOCKET_FORMAT with one {@code %d} (0..N-1).
 */
public final class FloorGuests {

    /**
     * netty warns per connection that a Unix socket has no SO_KEEPALIVE, which gRPC's client asks
     * for. Held: JUL keeps loggers only weakly.
     */
    private static final Logger BOOTSTRAP_LOG =
            Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    private FloorGuests() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].contains("%d")) {
            System.err.println("usage: FloorGuests SOCKET_FORMAT(with %d) N");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
        Hello.Builder identity = GuestFleet.identity().setIntervalMs(1000);
        GuestFleet.realSample(identity);
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory("floor-io", true), EpollIoHandler.newFactory());
        CountDownLatch replied = new CountDownLatch(n);
        AtomicLong failed = new AtomicLong();
        ManagedChannel[] channels = new ManagedChannel[n];
        for (int i = 0; i < n; i++) {
            channels[i] = GuestFleet.channel(group, String.format(args[0], i));
            StreamObserver<AgentMessage> out =
                    GuestReportGrpc.newStub(channels[i]).report(new Replies(replied, failed));
            out.onNext(
                    AgentMessage.newBuilder()
                            .setHello(
                                    identity.clone().setAgentInstance(UUID.randomUUID().toString()))
                            .build());
        }
        if (!replied.await(120, TimeUnit.SECONDS) || failed.get() != 0) {
            System.err.println(
                    "only "
                            + (n - replied.getCount())
                            + " of "
                            + n
                            + " streams got a reply; "
                            + failed.get()
                            + " failed");
            System.exit(1);
        }
        System.out.println("ready " + n);
        System.out.flush();
        drain(System.in);
        System.exit(0);
    }

    private static void drain(InputStream in) throws IOException {
        byte[] b = new byte[256];
        while (in.read(b) >= 0) {
            // Holds the streams until the parent closes the pipe.
        }
    }

    /** Counts a stream's first reply; a stream that ends before the parent lets go is a failure. */
    private static final class Replies implements StreamObserver<CollectorMessage> {
        private final CountDownLatch replied;
        private final AtomicLong failed;
        private boolean first = true;

        Replies(CountDownLatch replied, AtomicLong failed) {
            this.replied = replied;
            this.failed = failed;
        }

        @Override
        public void onNext(CollectorMessage value) {
            if (first) {
                first = false;
                replied.countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            failed.incrementAndGet();
            System.err.println("stream failed: " + t);
            replied.countDown();
        }

        @Override
        public void onCompleted() {
            failed.incrementAndGet();
            replied.countDown();
        }
    }
}
