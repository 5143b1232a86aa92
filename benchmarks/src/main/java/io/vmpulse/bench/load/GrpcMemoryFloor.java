package io.vmpulse.bench.load;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.ingest.GuestSink;
import io.vmpulse.collector.ingest.IngestBounds;
import io.vmpulse.collector.ingest.IngestServer;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.proto.v1.Welcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live heap gRPC keeps per Unix-socket listener and per guest connection, in this JVM (the
 * server): N listeners, then N connections from a {@link FloorGuests} JVM, each with one open
 * stream that has sent one Hello and got one reply. The live heap is the class histogram's total
 * (jcmd, after a full collection) at each step: nothing listening, N listeners, N connected, and
 * again once the guests have gone (which should fall back to the listeners' figure).
 *
 * <p>Modes: {@code grpc} is grpc-netty alone, with the options of the collector's {@code
 * IngestServer.common()} (shared boss and worker loops, direct executor, message, metadata and
 * flow-control limits, 2 calls per connection, idle timeout, reset budget), and what the public API
 * lets listeners share (one service definition, one channel factory): the floor of a listener per
 * VM. {@code grpc-nokeepalive} is the same with server keepalive pings off. {@code ingest} is the
 * collector's own {@link IngestServer} (a {@code GuestLink} and a listener per VM), so its figure
 * minus the floor is what the collector's ingest code adds.
 *
 * <p>Usage: {@code GrpcMemoryFloor MODE DIR N GUEST_JAVA_OPTS}. Prints per-unit figures, the
 * classes that grew most, and one {@code result} line; {@code benchmarks/scripts/grpc-floor.sh}
 * runs it.
 */
public final class GrpcMemoryFloor {

    private static final int TOP_CLASSES = 25;

    /** Longer than IngestBounds' hello deadline (10 s), after which nothing waits on a timer. */
    private static final int SETTLE_SECONDS = 12;

    private GrpcMemoryFloor() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println(
                    "usage: GrpcMemoryFloor grpc|grpc-nokeepalive|ingest DIR N GUEST_JAVA_OPTS");
            System.exit(2);
        }
        String mode = args[0];
        Path dir = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        Listeners listeners =
                switch (mode) {
                    case "grpc" -> new BareGrpc(false);
                    case "grpc-nokeepalive" -> new BareGrpc(true);
                    case "ingest" -> new Ingest();
                    default -> throw new IllegalArgumentException("unknown mode " + mode);
                };
        String format = dir.resolve("vm-%d.sock").toString();

        take(dir, "empty");
        for (int i = 0; i < n; i++) {
            listeners.open(Path.of(String.format(format, i)), i);
        }
        take(dir, "listening");

        Process guests = startGuests(format, n, args[3]);
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(guests.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.equals("ready " + n)) {
            System.err.println("guests did not get ready: " + line);
            guests.destroyForcibly();
            System.exit(1);
        }
        // Steady state: past the collector's hello deadline, whose timer holds each new stream.
        TimeUnit.SECONDS.sleep(SETTLE_SECONDS);
        take(dir, "connected");

        guests.getOutputStream().close();
        guests.waitFor();
        TimeUnit.SECONDS.sleep(SETTLE_SECONDS);
        take(dir, "closed");

        HeapHistogram empty = read(dir, "empty");
        HeapHistogram listening = read(dir, "listening");
        HeapHistogram connected = read(dir, "connected");
        HeapHistogram closed = read(dir, "closed");

        long perListener = (listening.totalBytes() - empty.totalBytes()) / n;
        long perConnection = (connected.totalBytes() - listening.totalBytes()) / n;
        System.out.printf(
                "%s, N=%d: live heap %d KiB empty, %d KiB listening, %d KiB connected, %d KiB"
                        + " after the guests left%n",
                mode,
                n,
                empty.totalBytes() / 1024,
                listening.totalBytes() / 1024,
                connected.totalBytes() / 1024,
                closed.totalBytes() / 1024);
        System.out.printf(
                "per listener %d B, per connection %d B, per VM %d B (%.1f KiB)%n",
                perListener,
                perConnection,
                perListener + perConnection,
                (perListener + perConnection) / 1024.0);
        System.out.println("classes per listener (bytes, instances):");
        listening.topGrowth(empty, n, TOP_CLASSES).forEach(s -> System.out.println("  " + s));
        System.out.println("classes per connection (bytes, instances):");
        connected.topGrowth(listening, n, TOP_CLASSES).forEach(s -> System.out.println("  " + s));
        System.out.println("classes still held per VM after the guests left (bytes, instances):");
        closed.topGrowth(listening, n, TOP_CLASSES / 2).forEach(s -> System.out.println("  " + s));
        System.out.printf(
                "result mode=%s n=%d empty=%d listening=%d connected=%d closed=%d%n",
                mode,
                n,
                empty.totalBytes(),
                listening.totalBytes(),
                connected.totalBytes(),
                closed.totalBytes());
        System.out.flush();
        System.exit(0);
    }

    private static void take(Path dir, String step) throws IOException, InterruptedException {
        HeapHistogram.takeOfThisJvm(dir.resolve("histogram-" + step + ".txt"));
    }

    private static HeapHistogram read(Path dir, String step) throws IOException {
        return HeapHistogram.read(dir.resolve("histogram-" + step + ".txt"));
    }

    private static Process startGuests(String format, int n, String javaOpts) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String o : javaOpts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FloorGuests.class.getName());
        cmd.add(format);
        cmd.add(Integer.toString(n));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Opens one VM's listener. */
    private interface Listeners {
        void open(Path socket, int i) throws IOException;
    }

    /**
     * grpc-netty with IngestServer's options, and nothing of the collector's: the service answers
     * each message with an empty Welcome.
     */
    private static final class BareGrpc implements Listeners {
        private final EventLoopGroup boss = new EpollEventLoopGroup(1);
        private final EventLoopGroup workers = new EpollEventLoopGroup(1);
        private final ServerServiceDefinition service = echo();
        private final boolean keepAliveOff;
        private final List<Server> servers = new ArrayList<>();

        BareGrpc(boolean keepAliveOff) {
            this.keepAliveOff = keepAliveOff;
        }

        @Override
        public void open(Path socket, int i) throws IOException {
            GuestLimits limits = GuestLimits.DEFAULT;
            NettyServerBuilder b =
                    NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                            .channelFactory(EpollServerDomainSocketChannel::new)
                            .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                            .maxRstFramesPerWindow(100, 10)
                            .bossEventLoopGroup(boss)
                            .workerEventLoopGroup(workers)
                            .directExecutor()
                            .maxInboundMessageSize(limits.maxMessageBytes())
                            .flowControlWindow(Math.max(65_535, limits.maxMessageBytes() + 5))
                            .maxInboundMetadataSize(8 * 1024)
                            .maxConcurrentCallsPerConnection(2)
                            .maxConnectionIdle(30, TimeUnit.SECONDS)
                            .addService(service);
            if (keepAliveOff) {
                b.keepAliveTime(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
            }
            servers.add(b.build().start());
        }

        private static ServerServiceDefinition echo() {
            CollectorMessage reply =
                    CollectorMessage.newBuilder().setWelcome(Welcome.getDefaultInstance()).build();
            return ServerServiceDefinition.builder(GuestReportGrpc.SERVICE_NAME)
                    .addMethod(
                            GuestReportGrpc.getReportMethod(),
                            ServerCalls.asyncBidiStreamingCall(
                                    out ->
                                            new StreamObserver<AgentMessage>() {
                                                @Override
                                                public void onNext(AgentMessage m) {
                                                    out.onNext(reply);
                                                }

                                                @Override
                                                public void onError(Throwable t) {}

                                                @Override
                                                public void onCompleted() {
                                                    out.onCompleted();
                                                }
                                            }))
                    .build();
        }
    }

    /** The collector's IngestServer, a GuestLink per VM whose samples go nowhere. */
    private static final class Ingest implements Listeners {
        private final IngestServer ingest =
                new IngestServer(
                        GuestLimits.DEFAULT,
                        IngestBounds.forThisProcess(),
                        SocketAccess.OWNER_AND_GROUP);
        private final List<Server> servers = new ArrayList<>();

        @Override
        public void open(Path socket, int i) throws IOException {
            servers.add(ingest.listenUnix(socket, ingest.link("vm-" + i, new Nowhere())));
        }
    }

    private static final class Nowhere implements GuestSink {
        @Override
        public void guestConnected(Hello hello) {}

        @Override
        public void guestSample(
                Hello hello, Sample sample, Continuity verdict, long receivedNanos) {}

        @Override
        public void guestDisconnected(String reason) {}
    }
}
