package io.vmpulse.collector.ingest;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.collector.socket.UnixSocketFiles;
import io.vmpulse.proto.v1.GuestReportGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC listeners that guests connect to. Each VM gets a listener of its own (a Unix socket
 * for hybrid vsock and libkrun, or a TCP port for test VMs), so the listener a stream arrives on
 * <em>is</em> the VM's identity; nothing in the payload can claim another VM.
 *
 * <p>All listeners share one boss thread and one I/O thread: a VM costs a socket and a little
 * state, not threads. Stream callbacks run on the I/O thread itself ({@code directExecutor}):
 * they never block (check the message, hand the sample to the VM's pipeline, queue an Ack), so
 * handing each message to a callback pool would only add two thread wake-ups per sample, which
 * at a thousand VMs was a third of the collector's CPU.
 */
public final class IngestServer implements AutoCloseable {

    private static final long IDLE_CONNECTION_SECONDS = 60;

    private final GuestLimits limits;
    private final EventLoopGroup boss = new EpollEventLoopGroup(1, daemon("vmpulse-ingest-accept"));
    private final EventLoopGroup workers = new EpollEventLoopGroup(1, daemon("vmpulse-ingest-io"));
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(daemon("vmpulse-ingest-timer"));

    public IngestServer(GuestLimits limits) {
        this.limits = limits;
    }

    public GuestLimits limits() {
        return limits;
    }

    /** Makes the ingest state of one VM; its listener is opened separately. */
    public GuestLink link(String vmId, GuestSink sink) {
        return new GuestLink(vmId, limits, sink, scheduler);
    }

    /**
     * Listens on a Unix socket for one VM. A socket file left by a previous collector is replaced
     * only when nothing answers on it, so two collectors never steal each other's guests.
     */
    public Server listenUnix(Path path, GuestLink link) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        UnixSocketFiles.removeStale(path, "guest socket");
        Server server = builder(new DomainSocketAddress(path.toString()), link)
                .channelType(EpollServerDomainSocketChannel.class)
                // gRPC asks for TCP keepalive, which a Unix socket does not have; netty would warn per connection.
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .build()
                .start();
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        return server;
    }

    /** Listens on TCP for one VM; for development and test VMs without a vsock device. */
    public Server listenTcp(String host, int port, GuestLink link) throws IOException {
        return builder(new InetSocketAddress(host, port), link)
                .channelType(EpollServerSocketChannel.class)
                .build()
                .start();
    }

    private NettyServerBuilder builder(SocketAddress address, GuestLink link) {
        return NettyServerBuilder.forAddress(address)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .directExecutor()
                .maxInboundMessageSize(limits.transportMaxBytes())
                .maxInboundMetadataSize(8 * 1024)
                .maxConcurrentCallsPerConnection(2)
                .maxConnectionIdle(IDLE_CONNECTION_SECONDS, TimeUnit.SECONDS)
                .addService(serviceFor(link));
    }

    static ServerServiceDefinition serviceFor(GuestLink link) {
        return new GuestReportGrpc.GuestReportImplBase() {
            @Override
            public StreamObserver<AgentMessage> report(StreamObserver<CollectorMessage> out) {
                return link.open((ServerCallStreamObserver<CollectorMessage>) out);
            }
        }.bindService();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
