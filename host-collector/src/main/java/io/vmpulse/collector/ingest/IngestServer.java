package io.vmpulse.collector.ingest;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.ingest.vsock.EpollVsockServerChannel;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.collector.socket.UnixSocketFiles;
import io.vmpulse.collector.threads.DaemonThreads;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The gRPC listeners that guests connect to. Each VM gets a listener of its own (a Unix socket for
 * hybrid vsock and libkrun, or a TCP port for test VMs), so the listener a stream arrives on
 * <em>is</em> the VM's identity; nothing in the payload can claim another VM.
 *
 * <p>QEMU's vhost-vsock is the exception: all its guests share one {@code AF_VSOCK} listener, and
 * the CID the kernel reports for the peer is the identity.
 *
 * <p>All listeners share one boss thread and one I/O thread: a VM costs a socket and a little
 * state, not threads. The I/O thread collects readiness events every {@link #IO_BATCH_WINDOW}
 * rather than waking for each sample (BatchingSelectStrategy). Stream callbacks run on the I/O
 * thread itself ({@code directExecutor}): they never block (check the message, hand the sample to
 * the VM's pipeline, queue an Ack), so handing each message to a callback pool would only add two
 * thread wake-ups per sample, which at a thousand VMs was a third of the collector's CPU.
 */
public final class IngestServer implements AutoCloseable {

    /**
     * How long readiness events gather before the I/O thread reads them (BatchingSelectStrategy).
     */
    private static final Duration IO_BATCH_WINDOW = Duration.ofMillis(10);

    /**
     * Makes the Unix-socket listeners. {@code channelType} would give each listener a reflective
     * factory with a copy of the class's constructor: 120 bytes per VM.
     */
    private static final ChannelFactory<EpollServerDomainSocketChannel> UNIX_LISTENERS =
            EpollServerDomainSocketChannel::new;

    /** The reject counter of every listener a VM has of its own. */
    private static final TransportRejects REJECTS_BY_LISTENER =
            new TransportRejects(call -> ConnectionGate.readingVm());

    /** The GuestReport service of every listener a VM has of its own (see {@link #builder}). */
    private static final ServerServiceDefinition SERVICE_BY_LISTENER =
            service(
                    out -> {
                        GuestLink link = ConnectionGate.readingVm();
                        if (link == null) {
                            // Not expected: gRPC starts every call while its connection is read.
                            // Refused rather than guessed, since the VM is what it would guess.
                            out.onError(
                                    Status.INTERNAL
                                            .withDescription("the stream's VM is not known")
                                            .asRuntimeException());
                            return new Ignored();
                        }
                        return link.open(out);
                    });

    private final GuestLimits limits;
    private final IngestBounds bounds;
    private final SocketAccess socketAccess;

    /** Guests' connections open now, across every listener. */
    private final AtomicInteger connections = new AtomicInteger();

    private final EventLoopGroup boss =
            new EpollEventLoopGroup(1, DaemonThreads.named("vmpulse-ingest-accept"));
    private final EventLoopGroup workers =
            new EpollEventLoopGroup(
                    1,
                    DaemonThreads.named("vmpulse-ingest-io"),
                    BatchingSelectStrategy.factory(IO_BATCH_WINDOW));
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("vmpulse-ingest-timer"));

    public IngestServer(GuestLimits limits) {
        this(limits, IngestBounds.forThisProcess(), SocketAccess.OWNER_AND_GROUP);
    }

    /**
     * @param socketAccess mode and group of every per-VM Unix socket, so the VMM's user can connect
     */
    public IngestServer(GuestLimits limits, IngestBounds bounds, SocketAccess socketAccess) {
        TransportLog.install();
        this.limits = limits;
        this.bounds = bounds;
        this.socketAccess = socketAccess;
    }

    public GuestLimits limits() {
        return limits;
    }

    /** Makes the ingest state of one VM; its listener is opened separately. */
    public GuestLink link(String vmId, GuestSink sink) {
        return new GuestLink(vmId, limits, bounds.helloDeadline(), sink, scheduler);
    }

    /**
     * Listens on a Unix socket for one VM. A socket file left by a previous collector is replaced
     * only when nothing answers on it, so two collectors never steal each other's guests. The bound
     * socket gets the configured mode and group, which is what lets the VMM connect to it.
     */
    public Server listenUnix(Path path, GuestLink link) throws IOException {
        return listenUnix(path, link, PeerRule.ANY);
    }

    /**
     * As {@link #listenUnix(Path, GuestLink)}, admitting only connections from peers {@code peers}
     * allows.
     */
    public Server listenUnix(Path path, GuestLink link, PeerRule peers) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        UnixSocketFiles.removeStale(path, "guest socket");
        Server server =
                builder(new DomainSocketAddress(path.toString()), link, peers)
                        .channelFactory(UNIX_LISTENERS)
                        // gRPC asks for TCP keepalive, which a Unix socket does not have; netty
                        // would warn per connection.
                        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                        .build()
                        .start();
        try {
            socketAccess.applyTo(path);
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            throw e;
        }
        return server;
    }

    /** Listens on TCP for one VM; for development and test VMs without a vsock device. */
    public Server listenTcp(String host, int port, GuestLink link) throws IOException {
        return builder(new InetSocketAddress(host, port), link, PeerRule.ANY)
                .channelType(EpollServerSocketChannel.class)
                .build()
                .start();
    }

    /**
     * Listens on {@code AF_VSOCK} for QEMU vhost-vsock guests, all VMs on one port: the kernel
     * stamps each connection with the guest's CID, and {@code linkByCid} maps that CID to its VM. A
     * CID that no VM was registered with is refused.
     */
    public Server listenVsock(int port, IntFunction<GuestLink> linkByCid) throws IOException {
        return common(
                        NettyServerBuilder.forAddress(
                                new VSockAddress(VSockAddress.VMADDR_CID_ANY, port)),
                        ch ->
                                ch.remoteAddress() instanceof VSockAddress v
                                        ? linkByCid.apply(v.getCid())
                                        : null,
                        PeerRule.ANY)
                .addStreamTracerFactory(
                        new TransportRejects(
                                call ->
                                        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
                                                        instanceof VSockAddress v
                                                ? linkByCid.apply(v.getCid())
                                                : null))
                .channelType(EpollVsockServerChannel.class)
                .addService(
                        ServerInterceptors.intercept(vsockService(linkByCid), new PeerAddress()))
                .build()
                .start();
    }

    /**
     * A listener of one VM's own. Its connections carry their VM from accept on (ConnectionGate),
     * which is where the service and the reject counter take it from, so every such listener shares
     * one service definition and one tracer rather than holding copies, which were about 570 bytes
     * of a listener's 5 KiB (benchmarks/scripts/grpc-floor.sh).
     */
    private NettyServerBuilder builder(SocketAddress address, GuestLink link, PeerRule peers) {
        return common(NettyServerBuilder.forAddress(address), ch -> link, peers)
                .addStreamTracerFactory(REJECTS_BY_LISTENER)
                .addService(SERVICE_BY_LISTENER);
    }

    /**
     * What every listener shares. Beyond the message limits: the connection caps (ConnectionGate),
     * HTTP/2 rapid reset cut off by gRPC's own RST_STREAM budget, header blocks capped at 8 KiB
     * (netty also cuts off a CONTINUATION flood of small frames), and gRPC's keepalive policy,
     * which answers a ping flood with GOAWAY: the agent never pings, it only answers.
     *
     * <p>The collector sends no keepalive pings of its own (gRPC's default is one after 2 h of
     * silence): the timer and pinger cost every connection 256 bytes of heap, and the rules that
     * end a connection do not need them. A guest whose VMM exits loses its socket with it (the
     * kernel closes the VMM's end, and so the collector's: {@code PeerGoneTest}); on TCP the
     * kernel's own keepalive, which gRPC turns on, finds a vanished host. A connection that never
     * opens a stream is closed after {@link IngestBounds#idleConnection}, a stream that never says
     * hello after {@link IngestBounds#helloDeadline}. What no rule ends is a stream that said hello
     * and then went silent with its VMM alive (a frozen or paused guest): it holds one of its own
     * VM's {@link IngestBounds#connectionsPerVm} connections, harms no other VM, and goes when the
     * guest's next stream replaces it (its connection then idles out) or the VM is unregistered,
     * which closes the listener and its connections. The ping would only have ended it after 2 h.
     */
    private NettyServerBuilder common(
            NettyServerBuilder b, Function<Channel, GuestLink> linkOf, PeerRule peers) {
        return b.protocolNegotiator(new ConnectionGate(bounds, connections, linkOf, peers))
                .maxRstFramesPerWindow(
                        bounds.resetsPerWindow(), (int) bounds.resetWindow().toSeconds())
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .directExecutor()
                .maxInboundMessageSize(limits.maxMessageBytes())
                .flowControlWindow(flowControlWindow(limits))
                .maxInboundMetadataSize(8 * 1024)
                .maxConcurrentCallsPerConnection(2)
                .maxConnectionIdle(bounds.idleConnection().toNanos(), TimeUnit.NANOSECONDS)
                // "As large as infinite" turns the server's pings off (see above).
                .keepAliveTime(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /**
     * HTTP/2 flow-control window of each stream and connection: one whole message fits, so a
     * well-behaved guest is never held up, and no guest can have more than that in flight. gRPC's
     * default (1 MiB, growing with measured bandwidth) would let each connection park megabytes in
     * the collector.
     */
    static int flowControlWindow(GuestLimits limits) {
        return Math.max(65_535, limits.maxMessageBytes() + 5);
    }

    private static ServerServiceDefinition vsockService(IntFunction<GuestLink> linkByCid) {
        return service(
                out -> {
                    SocketAddress peer = PeerAddress.KEY.get();
                    GuestLink link =
                            peer instanceof VSockAddress v ? linkByCid.apply(v.getCid()) : null;
                    if (link == null) {
                        out.onError(
                                Status.PERMISSION_DENIED
                                        .withDescription("no VM is registered for " + peer)
                                        .asRuntimeException());
                        return new Ignored();
                    }
                    return link.open(out);
                });
    }

    /**
     * The GuestReport service with the collector's own request marshaller, which never throws on a
     * guest's bytes (see {@link AgentMessageMarshaller}); hence built by hand rather than from the
     * generated base class.
     */
    private static ServerServiceDefinition service(
            Function<ServerCallStreamObserver<CollectorMessage>, StreamObserver<AgentMessage>>
                    open) {
        MethodDescriptor<AgentMessage, CollectorMessage> report =
                GuestReportGrpc.getReportMethod().toBuilder(
                                new AgentMessageMarshaller(),
                                GuestReportGrpc.getReportMethod().getResponseMarshaller())
                        .build();
        return ServerServiceDefinition.builder(GuestReportGrpc.SERVICE_NAME)
                .addMethod(
                        report,
                        ServerCalls.asyncBidiStreamingCall(
                                out ->
                                        open.apply(
                                                (ServerCallStreamObserver<CollectorMessage>) out)))
                .build();
    }

    private static final class Ignored implements StreamObserver<AgentMessage> {
        @Override
        public void onNext(AgentMessage value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    /** Puts the transport's peer address into the call's context, where the service can see it. */
    private static final class PeerAddress implements ServerInterceptor {
        static final Context.Key<SocketAddress> KEY = Context.key("vmpulse-peer-address");

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context ctx =
                    Context.current()
                            .withValue(
                                    KEY, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
