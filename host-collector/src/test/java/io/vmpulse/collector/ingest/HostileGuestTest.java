package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.testing.LogCapture;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that misbehaves, over real gRPC on real Unix sockets: each kind of abuse is rejected or
 * throttled, the collector stays up, and a well-behaved VM next to it keeps flowing.
 */
@Timeout(60)
class HostileGuestTest {

    private static final GuestLimits LIMITS =
            new GuestLimits(16 * 1024, 64, 8, 64, 50.0, 20, 5, Duration.ofMillis(10));

    @TempDir Path dir;

    private IngestServer ingest;
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final EpollEventLoopGroup clientLoop = new EpollEventLoopGroup(1);

    @BeforeEach
    void start() {
        ingest = new IngestServer(LIMITS);
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ingest.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void a_message_one_byte_over_the_limit_ends_the_stream_and_is_counted_and_logged_as_rejected()
            throws Exception {
        try (LogCapture lines = LogCapture.on(GuestLink.class.getName());
                LogCapture grpc = LogCapture.on(TransportRejects.GRPC_DEFRAME_LOG)) {
            Vm vm = vm("huge");
            Guest g = vm.connect("boot-1", "inst-1");
            g.send(sample(1, 100));
            assertEquals(1, vm.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
            Sample.Builder b = sample(2, 200).toBuilder();
            int pad =
                    LIMITS.maxMessageBytes()
                            - AgentMessage.newBuilder().setSample(b).build().getSerializedSize()
                            - 8;
            Sample tooBig =
                    b.addFilesystems(
                                    Filesystem.newBuilder()
                                            .setDeviceBytes(ByteString.copyFrom(new byte[pad])))
                            .build();
            int wireBytes = AgentMessage.newBuilder().setSample(tooBig).build().getSerializedSize();
            while (wireBytes <= LIMITS.maxMessageBytes()) {
                tooBig =
                        tooBig.toBuilder()
                                .setFilesystems(
                                        0,
                                        tooBig.getFilesystems(0).toBuilder()
                                                .setDeviceBytes(
                                                        ByteString.copyFrom(
                                                                new byte
                                                                        [tooBig.getFilesystems(0)
                                                                                        .getDeviceBytes()
                                                                                        .size()
                                                                                + 1])))
                                .build();
                wireBytes = AgentMessage.newBuilder().setSample(tooBig).build().getSerializedSize();
            }
            assertEquals(LIMITS.maxMessageBytes() + 1, wireBytes, "one byte over the limit");
            g.send(tooBig);
            assertTrue(g.closed.await(10, TimeUnit.SECONDS), "gRPC ends the stream");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (vm.link.stats().rejected() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(
                    1,
                    vm.link.stats().rejected(),
                    "the message gRPC refused is counted against its VM");
            assertEquals(
                    List.of(),
                    grpc.records(),
                    "gRPC's own unthrottled warning with a stack trace is filtered out");
            assertEquals(
                    List.of(
                            "vm huge: rejected a message over the limit of 16384 bytes (gRPC message "
                                    + "exceeds maximum size 16384: "
                                    + wireBytes
                                    + "); its stream was ended"),
                    lines.messages());

            // The VM is not banned, and a later stream's own RESOURCE_EXHAUSTED end is not counted
            // twice.
            Guest again = vm.connect("boot-1", "inst-1");
            again.send(sample(3, 300));
            assertEquals(3, vm.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
            for (int i = 0; i < LIMITS.rejectsBeforeAbuse(); i++) {
                again.send(
                        sample(4 + i, 400).toBuilder()
                                .addFilesystems(
                                        Filesystem.newBuilder()
                                                .setMountPoint(
                                                        "x".repeat(LIMITS.maxStringBytes() + 1)))
                                .build());
            }
            assertTrue(
                    again.closed.await(10, TimeUnit.SECONDS),
                    "too many rejects in a row end the stream");
            Thread.sleep(200);
            assertEquals(1 + LIMITS.rejectsBeforeAbuse(), vm.link.stats().rejected());
        }
    }

    @Test
    void absurd_counts_and_strings_are_rejected() throws Exception {
        Vm vm = vm("absurd");
        Guest g = vm.connect("boot-1", "inst-1");
        Cpu.Builder manyCpus = Cpu.newBuilder();
        for (int i = 0; i < 65; i++) {
            manyCpus.addPerCpu(PerCpu.newBuilder().setCpu(i));
        }
        g.send(sample(1, 100).toBuilder().setCpu(manyCpus).build());
        Sample.Builder manyFs = sample(2, 100).toBuilder();
        for (int i = 0; i < 9; i++) {
            manyFs.addFilesystems(Filesystem.newBuilder().setMountPoint("/m" + i));
        }
        g.send(manyFs.build());
        g.send(
                sample(3, 100).toBuilder()
                        .addFilesystems(Filesystem.newBuilder().setMountPoint("x".repeat(65)))
                        .build());
        g.send(
                sample(4, 100).toBuilder()
                        .addFilesystems(Filesystem.newBuilder().setSizeBytes(10).setFreeBytes(11))
                        .build());
        g.send(sample(5, 300));
        assertEquals(5, vm.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        assertEquals(4, vm.link.stats().rejected());
        assertEquals(1, vm.link.stats().accepted());
    }

    @Test
    void counters_going_backwards_are_recorded_as_reset_not_passed_as_continuing()
            throws Exception {
        Vm vm = vm("reset");
        Guest g = vm.connect("boot-1", "inst-1");
        g.send(sample(1, 5_000));
        g.send(sample(2, 1_000));
        vm.sink.samples.poll(10, TimeUnit.SECONDS);
        vm.sink.samples.poll(10, TimeUnit.SECONDS);
        assertEquals(List.of(Continuity.CONTINUES, Continuity.COUNTERS_RESET), vm.sink.verdicts);
        assertEquals(1, vm.link.stats().counterResets());
    }

    @Test
    void a_new_boot_id_is_recorded_as_guest_restart_and_seq_starts_again() throws Exception {
        Vm vm = vm("reboot");
        Guest first = vm.connect("boot-1", "inst-1");
        first.send(sample(1, 5_000));
        first.send(sample(2, 6_000));
        for (int i = 0; i < 2; i++) {
            vm.sink.samples.poll(10, TimeUnit.SECONDS);
        }
        Guest second = vm.connect("boot-2", "inst-9");
        assertEquals(0, second.welcomeSeq(), "a new boot is told nothing of it is held yet");
        second.send(sample(1, 10));
        vm.sink.samples.poll(10, TimeUnit.SECONDS);
        assertEquals(Continuity.GUEST_RESTARTED, vm.sink.verdicts.get(2));
        assertEquals(1, vm.link.stats().guestRestarts());
    }

    @Test
    void a_restarted_agent_of_the_same_boot_is_told_the_boots_last_seq_and_its_repeats_are_dropped()
            throws Exception {
        Vm vm = vm("restart");
        Guest first = vm.connect("boot-1", "inst-1");
        for (int i = 1; i <= 5; i++) {
            first.send(sample(i, 100L * i));
        }
        for (int i = 1; i <= 5; i++) {
            assertEquals(i, vm.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        }

        Guest second = vm.connect("boot-1", "inst-2");
        assertEquals(5, second.welcomeSeq(), "a new agent process numbers on after the boot's 5");
        // More repeats in a row than a stream may send rejects: a duplicate is not abuse.
        int repeats = LIMITS.rejectsBeforeAbuse() + 2;
        for (int i = 0; i < repeats; i++) {
            second.send(sample(1 + i % 5, 100));
        }
        second.send(sample(6, 600));
        second.send(sample(7, 700));
        second.send(sample(6, 600)); // backwards within the boot
        second.send(sample(8, 800));

        for (int seq = 6; seq <= 8; seq++) {
            assertEquals(seq, vm.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        }
        assertEquals(8, second.awaitAck(8), "the stream goes on and acks what is held");
        assertEquals(null, vm.sink.samples.poll(200, TimeUnit.MILLISECONDS), "nothing twice");
        assertEquals(repeats + 1, vm.link.stats().duplicates());
        assertEquals(0, vm.link.stats().rejected(), "a duplicate is not a reject");
        assertEquals(8, vm.link.stats().accepted());
        assertEquals(1, second.closed.getCount(), "the agent was not cut off");
    }

    @Test
    void a_seq_jump_to_2_to_the_63_minus_1_silences_only_its_own_boot_until_the_next_boot()
            throws Exception {
        Vm jumper = vm("jumper");
        Vm neighbour = vm("neighbour");
        Guest g = jumper.connect("boot-1", "inst-1");
        g.send(sample(1, 100));
        g.send(sample(Long.MAX_VALUE, 200));
        g.send(sample(2, 300));
        assertEquals(1, jumper.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        assertEquals(Long.MAX_VALUE, jumper.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        awaitDuplicates(jumper, 1);

        Guest restarted = jumper.connect("boot-1", "inst-2");
        assertEquals(Long.MAX_VALUE, restarted.welcomeSeq());
        restarted.send(sample(3, 400));
        Guest n = neighbour.connect("boot-n", "inst-n");
        n.send(sample(1, 100));
        assertEquals(1, neighbour.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        awaitDuplicates(jumper, 2);

        Guest rebooted = jumper.connect("boot-2", "inst-3");
        assertEquals(0, rebooted.welcomeSeq(), "a new boot starts over");
        rebooted.send(sample(1, 10));
        assertEquals(1, jumper.sink.samples.poll(10, TimeUnit.SECONDS).getSeq());
        assertEquals(0, neighbour.link.stats().duplicates());
    }

    @Test
    void duplicate_seq_is_dropped_and_acked() throws Exception {
        Vm vm = vm("dup");
        Guest g = vm.connect("boot-1", "inst-1");
        g.send(sample(1, 100));
        g.send(sample(2, 200));
        g.send(sample(2, 200));
        g.send(sample(1, 100));
        for (int i = 3; i <= GuestStream.ACK_EVERY; i++) {
            g.send(sample(i, 100L * i));
        }
        assertEquals(GuestStream.ACK_EVERY, g.awaitAck(GuestStream.ACK_EVERY));
        assertEquals(GuestStream.ACK_EVERY, vm.link.stats().accepted());
        assertEquals(2, vm.link.stats().duplicates());
        Guest again = vm.connect("boot-1", "inst-1");
        assertEquals(
                GuestStream.ACK_EVERY,
                again.welcomeSeq(),
                "a reconnecting agent learns what is already held");
    }

    @Test
    void a_seq_of_2_to_the_64_minus_1_is_rejected_and_acks_go_on() throws Exception {
        Vm vm = vm("maxseq");
        Guest g = vm.connect("boot-1", "inst-1");
        g.send(sample(1, 100));
        g.send(sample(-1L, 150)); // 2^64-1 as an unsigned uint64
        g.send(sample(Long.MIN_VALUE, 160)); // 2^63
        for (int i = 2; i <= GuestStream.ACK_EVERY; i++) {
            g.send(sample(i, 100L * i));
        }
        assertEquals(
                GuestStream.ACK_EVERY,
                g.awaitAck(GuestStream.ACK_EVERY),
                "acks still reach the agent");
        assertEquals(2, vm.link.stats().rejected());
        assertEquals(GuestStream.ACK_EVERY, vm.link.stats().accepted());
    }

    @Test
    void acks_are_cumulative_and_batched_one_per_ack_every_samples() throws Exception {
        Vm vm = vm("batched");
        Guest g = vm.connect("boot-1", "inst-1");
        for (int i = 1; i <= 2 * GuestStream.ACK_EVERY + 1; i++) {
            g.send(sample(i, 100L * i));
        }
        assertEquals(2 * GuestStream.ACK_EVERY, g.awaitAck(2 * GuestStream.ACK_EVERY));
        assertEquals(
                2,
                g.acksSeen,
                "one Ack per " + GuestStream.ACK_EVERY + " samples, not one per sample");
    }

    @Test
    void a_half_closing_guest_gets_the_pending_ack_before_the_stream_ends() throws Exception {
        Vm vm = vm("halfclose");
        Guest g = vm.connect("boot-1", "inst-1");
        g.welcomeSeq();
        for (int i = 1; i < GuestStream.ACK_EVERY; i++) {
            g.send(sample(i, 100L * i));
        }
        g.out.onCompleted();
        assertTrue(g.closed.await(10, TimeUnit.SECONDS), "the collector ends the stream");
        assertEquals(GuestStream.ACK_EVERY - 1, g.awaitAck(GuestStream.ACK_EVERY - 1));
    }

    @Test
    void sample_before_hello_ends_the_stream() throws Exception {
        Vm vm = vm("nohello");
        Guest g = vm.connectWithoutHello();
        g.send(sample(1, 100));
        assertTrue(g.closed.await(10, TimeUnit.SECONDS));
        assertEquals(0, vm.link.stats().accepted());
    }

    @Test
    void flood_is_throttled_and_does_not_delay_other_vms() throws Exception {
        Vm flooder = vm("flood");
        Vm quiet = vm("quiet");
        Guest f = flooder.connect("boot-f", "inst-f");
        Guest q = quiet.connect("boot-q", "inst-q");
        long start = System.nanoTime();
        for (int i = 1; i <= 2_000; i++) {
            f.send(sample(i, 100L * i));
        }
        List<Long> quietGaps = new ArrayList<>();
        long last = System.nanoTime();
        for (int i = 1; i <= 20; i++) {
            q.send(sample(i, 100L * i));
            Sample s = quiet.sink.samples.poll(5, TimeUnit.SECONDS);
            assertEquals(i, s == null ? -1 : s.getSeq(), "quiet VM sample " + i + " arrived");
            long now = System.nanoTime();
            quietGaps.add(now - last);
            last = now;
            Thread.sleep(50);
        }
        double elapsedS = (System.nanoTime() - start) / 1e9;
        long accepted = flooder.link.stats().accepted();
        double allowed = LIMITS.burst() + LIMITS.samplesPerSecond() * elapsedS;
        assertTrue(
                accepted <= allowed + 1,
                "flooder got "
                        + accepted
                        + " samples through in "
                        + elapsedS
                        + " s; budget "
                        + allowed);
        assertTrue(flooder.link.stats().throttled() > 0, "the flood was throttled");
        long worstGapMs =
                quietGaps.stream().mapToLong(Long::longValue).max().orElseThrow() / 1_000_000;
        assertTrue(
                worstGapMs < 1_000,
                "quiet VM waited " + worstGapMs + " ms for one sample during the flood");
    }

    // ---- harness ------------------------------------------------------------------------

    private Vm vm(String id) throws Exception {
        Recorder sink = new Recorder();
        GuestLink link = ingest.link(id, sink);
        Path sock = dir.resolve(id + ".sock_7070");
        servers.add(ingest.listenUnix(sock, link));
        assertTrue(Files.exists(sock));
        return new Vm(link, sink, sock);
    }

    private final class Vm {
        final GuestLink link;
        final Recorder sink;
        final Path sock;

        Vm(GuestLink link, Recorder sink, Path sock) {
            this.link = link;
            this.sink = sink;
            this.sock = sock;
        }

        Guest connect(String bootId, String instance) throws Exception {
            Guest g = connectWithoutHello();
            g.out.onNext(
                    AgentMessage.newBuilder()
                            .setHello(
                                    Hello.newBuilder()
                                            .setAgentName("test")
                                            .setBootId(bootId)
                                            .setAgentInstance(instance)
                                            .setIntervalMs(1000))
                            .build());
            g.welcomeSeq();
            return g;
        }

        Guest connectWithoutHello() {
            ManagedChannel ch =
                    NettyChannelBuilder.forAddress(new DomainSocketAddress(sock.toString()))
                            .eventLoopGroup(clientLoop)
                            .channelType(EpollDomainSocketChannel.class)
                            .usePlaintext()
                            .build();
            channels.add(ch);
            Guest g = new Guest();
            g.out = GuestReportGrpc.newStub(ch).report(g);
            return g;
        }
    }

    private static final class Guest implements StreamObserver<CollectorMessage> {
        StreamObserver<AgentMessage> out;
        final LinkedBlockingQueue<CollectorMessage> in = new LinkedBlockingQueue<>();
        final java.util.concurrent.CountDownLatch closed =
                new java.util.concurrent.CountDownLatch(1);
        private Long welcome;
        int acksSeen;

        synchronized void send(Sample s) {
            out.onNext(AgentMessage.newBuilder().setSample(s).build());
        }

        long welcomeSeq() throws InterruptedException {
            while (welcome == null) {
                CollectorMessage m = in.poll(10, TimeUnit.SECONDS);
                assertTrue(m != null, "no welcome");
                if (m.hasWelcome()) {
                    welcome = m.getWelcome().getLastSeq();
                }
            }
            return welcome;
        }

        long awaitAck(long seq) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long best = 0;
            while (best < seq && System.nanoTime() < deadline) {
                CollectorMessage m = in.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && m.hasAck()) {
                    acksSeen++;
                    best = Math.max(best, m.getAck().getSeq());
                }
            }
            return best;
        }

        @Override
        public void onNext(CollectorMessage m) {
            in.add(m);
        }

        @Override
        public void onError(Throwable t) {
            closed.countDown();
        }

        @Override
        public void onCompleted() {
            closed.countDown();
        }
    }

    static final class Recorder implements GuestSink {
        final LinkedBlockingQueue<Sample> samples = new LinkedBlockingQueue<>();
        final List<Continuity> verdicts = new CopyOnWriteArrayList<>();

        @Override
        public void guestConnected(Hello hello) {}

        @Override
        public void guestSample(
                Hello hello, Sample sample, Continuity verdict, long receivedNanos) {
            verdicts.add(verdict);
            samples.add(sample);
        }

        @Override
        public void guestDisconnected(String reason) {}
    }

    /** A later stream replaces this one: what it sent must be judged first. */
    private static void awaitDuplicates(Vm vm, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (vm.link.stats().duplicates() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, vm.link.stats().duplicates());
    }

    private static Sample sample(long seq, long userNs) {
        return Sample.newBuilder()
                .setSeq(seq)
                .setCpu(
                        Cpu.newBuilder()
                                .setTotal(CpuTimes.newBuilder().setUserNs(userNs))
                                .setBootTimeUnixS(1000))
                .build();
    }
}
