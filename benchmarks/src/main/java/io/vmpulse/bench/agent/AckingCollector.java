package io.vmpulse.bench.agent;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.Ack;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Welcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector stand-in for {@code bench/agent-footprint.sh}: listens on a Unix socket, welcomes,
 * acknowledges every sample, and does nothing else. Every 100 ms it prints one line, {@code samples
 * <total received>}, for the script to count samples against the agent's CPU time.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.vmpulse.bench.agent.AckingCollector /path/to.sock}
 */
public final class AckingCollector {

    /**
     * Often enough that a count read by the script is at most one 10 ms-interval sample in ten
     * stale.
     */
    private static final long REPORT_EVERY_MS = 100;

    private static final AtomicLong SAMPLES = new AtomicLong();

    /**
     * The collector's Ack batching: GuestStream.ACK_EVERY samples or ACK_AFTER_NANOS, whichever
     * first.
     */
    private static final int ACK_EVERY = 8;

    private static final long ACK_AFTER_NANOS = 5_000_000_000L;

    private AckingCollector() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AckingCollector SOCKET_PATH");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        Files.deleteIfExists(socket);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server =
                NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollServerDomainSocketChannel.class)
                        .bossEventLoopGroup(group)
                        .workerEventLoopGroup(group)
                        .directExecutor()
                        .addService(new Service())
                        .build()
                        .start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        while (true) {
            System.out.println("samples " + SAMPLES.get());
            System.out.flush();
            Thread.sleep(REPORT_EVERY_MS);
        }
    }

    private static final class Service extends GuestReportGrpc.GuestReportImplBase {
        @Override
        public StreamObserver<AgentMessage> report(StreamObserver<CollectorMessage> responses) {
            return new StreamObserver<>() {
                private long lastSeq;
                private int unacked;
                private long ackedAt = System.nanoTime();

                @Override
                public void onNext(AgentMessage message) {
                    if (message.hasHello()) {
                        // A fresh agent per run: it holds nothing from an earlier one.
                        responses.onNext(
                                CollectorMessage.newBuilder()
                                        .setWelcome(Welcome.newBuilder().setLastSeq(lastSeq))
                                        .build());
                        return;
                    }
                    lastSeq = message.getSample().getSeq();
                    SAMPLES.incrementAndGet();
                    // Cumulative Acks batched as the collector batches them (host-collector
                    // ingest.GuestStream), so that the agent reads as many as it would in service.
                    long now = System.nanoTime();
                    if (++unacked >= ACK_EVERY || now - ackedAt >= ACK_AFTER_NANOS) {
                        responses.onNext(
                                CollectorMessage.newBuilder()
                                        .setAck(Ack.newBuilder().setSeq(lastSeq))
                                        .build());
                        unacked = 0;
                        ackedAt = now;
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }
}
