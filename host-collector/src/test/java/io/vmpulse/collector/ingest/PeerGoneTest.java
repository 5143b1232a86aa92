package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector sends no keepalive pings (IngestServer.common()), so it relies on the kernel to end
 * a guest's connection when the process holding the other end dies, as a VMM's exit does: here a
 * real guest process, with its stream open and welcomed, is killed with SIGKILL.
 */
@Timeout(60)
class PeerGoneTest {

    @TempDir Path dir;

    private IngestServer ingest;
    private Server server;
    private Process peer;

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.destroyForcibly().waitFor();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (ingest != null) {
            ingest.close();
        }
    }

    @Test
    void a_guests_stream_and_connection_end_when_the_process_holding_them_is_killed()
            throws Exception {
        ingest =
                new IngestServer(
                        GuestLimits.DEFAULT,
                        IngestBounds.forThisProcess(),
                        SocketAccess.OWNER_AND_GROUP);
        Disconnects sink = new Disconnects();
        GuestLink link = ingest.link("vm-peer-gone", sink);
        Path sock = dir.resolve("vm.sock_1024");
        server = ingest.listenUnix(sock, link);
        Path peerLog = dir.resolve("peer.log");
        peer =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                Guest.class.getName(),
                                sock.toString())
                        .redirectError(peerLog.toFile())
                        .start();
        String said =
                new BufferedReader(
                                new InputStreamReader(
                                        peer.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
        assertEquals("welcomed", said, () -> "guest process: " + readOrEmpty(peerLog));
        assertTrue(link.stats().connected(), "the guest's stream is open and said hello");
        assertEquals(1, link.openConnections());

        peer.destroyForcibly();
        assertTrue(peer.waitFor(10, TimeUnit.SECONDS));

        assertNotNull(sink.reasons.poll(10, TimeUnit.SECONDS), "the stream ended");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (link.openConnections() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, link.openConnections(), "the connection was closed");
        assertFalse(link.stats().connected());
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static final class Disconnects implements GuestSink {
        final LinkedBlockingQueue<String> reasons = new LinkedBlockingQueue<>();

        @Override
        public void guestConnected(Hello hello) {}

        @Override
        public void guestSample(
                Hello hello, Sample sample, Continuity verdict, long receivedNanos) {}

        @Override
        public void guestDisconnected(String reason) {
            reasons.add(reason);
        }
    }

    /**
     * The guest, in a process of its own: opens a stream, says hello, prints {@code welcomed} once
     * the collector's Welcome came, then holds the stream until it is killed.
     */
    public static final class Guest {
        public static void main(String[] args) throws Exception {
            EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
            ManagedChannel channel =
                    NettyChannelBuilder.forAddress(new DomainSocketAddress(args[0]))
                            .eventLoopGroup(loop)
                            .channelType(EpollDomainSocketChannel.class)
                            .usePlaintext()
                            .build();
            StreamObserver<AgentMessage> out =
                    GuestReportGrpc.newStub(channel)
                            .report(
                                    new StreamObserver<>() {
                                        @Override
                                        public void onNext(CollectorMessage m) {
                                            if (m.hasWelcome()) {
                                                System.out.println("welcomed");
                                                System.out.flush();
                                            }
                                        }

                                        @Override
                                        public void onError(Throwable t) {
                                            t.printStackTrace();
                                            System.exit(1);
                                        }

                                        @Override
                                        public void onCompleted() {
                                            System.exit(1);
                                        }
                                    });
            out.onNext(
                    AgentMessage.newBuilder()
                            .setHello(
                                    Hello.newBuilder()
                                            .setAgentName("peer-gone-test")
                                            .setBootId("boot-1")
                                            .setAgentInstance("instance-1")
                                            .setIntervalMs(1000))
                            .build());
            Thread.sleep(TimeUnit.SECONDS.toMillis(50));
        }
    }
}
