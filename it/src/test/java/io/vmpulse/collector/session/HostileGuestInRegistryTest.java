package io.vmpulse.collector.session;

import static io.vmpulse.collector.session.GuestClient.sample;
import static io.vmpulse.registry.layout.RecordFields.COUNTER_RESETS;
import static io.vmpulse.registry.layout.RecordFields.GUEST_SEQ;
import static io.vmpulse.registry.layout.RecordFields.LAST_GUEST_MONO_NS;
import static io.vmpulse.registry.layout.RecordFields.REJECTED_MESSAGES;
import static io.vmpulse.registry.layout.RecordFields.REJECTED_OVERSIZED;
import static io.vmpulse.registry.layout.RecordFields.REJECTED_SAMPLE;
import static io.vmpulse.registry.layout.RecordFields.THROTTLED_MESSAGES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.testing.LogCapture;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile guest, through the whole collector and read back from the registry: one VM
 * ("evil", driven by hand) abuses its stream while another ("good", the real agent as its own
 * process) samples every 100 ms. Each abuse is rejected or throttled, shows in the evil VM's slot,
 * and the good VM's published guest sample is never older than {@link #ON_TIME} during any of it.
 */
@Timeout(120)
class HostileGuestInRegistryTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    /** "On time": the collector calls a guest stale after 3 intervals without a sample. */
    private static final Duration ON_TIME = INTERVAL.multipliedBy(3);

    private static final Duration PHASE = Duration.ofMillis(1500);
    private static final GuestLimits LIMITS =
            new GuestLimits(128 * 1024, 1024, 64, 256, 20.0, 40, 5, Duration.ofMillis(10));

    @TempDir Path dir;

    private Collector collector;
    private RegistryReader reader;
    private Process agent;
    private GoodVmWatch watch;
    private final EpollEventLoopGroup clientLoop = new EpollEventLoopGroup(1);
    private LogCapture rejectLog;

    @BeforeEach
    void start() throws Exception {
        rejectLog = LogCapture.on("io.vmpulse.collector.ingest.GuestLink");
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        dir.resolve("registry"), 4, INTERVAL, Duration.ofSeconds(10), LIMITS);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        vms.register(vm("good"), VmSource.API);
        vms.register(vm("evil"), VmSource.API);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        agent =
                new ProcessBuilder(
                                java,
                                "-jar",
                                EndToEndTest.AGENT_JAR.toString(),
                                "--collector",
                                "unix://" + socket("good"),
                                "--interval",
                                INTERVAL.toMillis() + "ms")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("agent.log").toFile())
                        .start();
        reader = RegistryReader.open(settings.registryPath());
        await("good", u -> u.getLong(GUEST_SEQ) >= 5);
        watch = new GoodVmWatch();
        watch.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (rejectLog != null) {
            rejectLog.close();
        }
        if (watch != null) {
            watch.interrupt();
            watch.join();
        }
        agent.destroyForcibly().waitFor();
        reader.close();
        collector.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void
            each_abuse_is_rejected_or_throttled_while_another_vm_keeps_flowing_into_the_registry_on_time()
                    throws Exception {
        long seq = 0;
        long user = 1_000;
        try (GuestClient evil = new GuestClient(socket("evil"), clientLoop, "boot-e", "inst-e")) {
            evil.send(sample(++seq, user));
            await("evil", u -> u.getLong(GUEST_SEQ) == 1);
            long rejected = 0;
            VmRecord s;

            // Counters going backwards: every second sample drops below the one before.
            watch.phase("counters backwards");
            int resets = 0;
            for (long end = deadline(PHASE); System.nanoTime() < end; resets++) {
                evil.send(sample(++seq, user += 1_000_000));
                evil.send(sample(++seq, user -= 500_000));
                Thread.sleep(150);
            }
            long afterResets = seq;
            s = await("evil", u -> u.getLong(GUEST_SEQ) == afterResets);
            assertEquals(resets, s.getLong(COUNTER_RESETS), "each backwards step is a reset");
            assertEquals(rejected, s.getLong(REJECTED_MESSAGES), "a reset is not a rejection");

            // Absurd counts and strings, in turn.
            watch.phase("absurd counts");
            int absurd = 0;
            for (long end = deadline(PHASE); System.nanoTime() < end; absurd++) {
                evil.send(absurd(++seq, user, absurd % 3));
                evil.send(sample(++seq, user += 1_000));
                Thread.sleep(150);
            }
            rejected += absurd;
            long afterAbsurd = seq;
            long rejectedNow = rejected;
            s = await("evil", u -> u.getLong(GUEST_SEQ) == afterAbsurd);
            assertEquals(rejectedNow, s.getLong(REJECTED_MESSAGES));
            assertEquals(rejectedNow, s.getLong(REJECTED_SAMPLE), "each is a sample refused");
            assertFalse(evil.hasEnded(), "bad messages between good ones do not end the stream");
        }

        // A flood on a fresh stream: read at the VM's rate, not at the guest's.
        try (GuestClient flood = new GuestClient(socket("evil"), clientLoop, "boot-e", "inst-e")) {
            watch.phase("flood");
            long before = seq;
            long start = System.nanoTime();
            for (int i = 0; i < 3_000; i++) {
                flood.send(sample(++seq, user += 1_000));
            }
            Thread.sleep(PHASE.toMillis());
            long through = find("evil").sample().getLong(GUEST_SEQ) - before;
            double elapsedS = (System.nanoTime() - start) / 1e9;
            double budget = LIMITS.burst() + LIMITS.samplesPerSecond() * elapsedS;
            assertTrue(
                    through <= budget,
                    through + " flood samples got through in " + elapsedS + " s; budget " + budget);
            assertFalse(flood.hasEnded(), "a flood is throttled, not cut off");
            VmRecord afterFlood = await("evil", u -> u.getLong(THROTTLED_MESSAGES) > 0);
            assertEquals(
                    afterFlood.getLong(REJECTED_SAMPLE),
                    afterFlood.getLong(REJECTED_MESSAGES),
                    "throttled messages are not rejects");
        }

        for (String phase : List.of("counters backwards", "absurd counts", "flood")) {
            assertTrue(
                    watch.worst(phase) <= ON_TIME.toNanos(),
                    "during '"
                            + phase
                            + "' the good VM's sample in the "
                            + "registry was "
                            + watch.worst(phase) / 1_000_000
                            + " ms old, over "
                            + ON_TIME.toMillis()
                            + " ms");
        }
    }

    @Test
    void a_message_over_the_transport_limit_or_too_many_rejects_in_a_row_end_that_vms_stream_only()
            throws Exception {
        long seq = 0;
        try (GuestClient evil = new GuestClient(socket("evil"), clientLoop, "boot-e", "inst-e")) {
            watch.phase("rejects in a row");
            evil.send(sample(++seq, 1_000));
            for (int i = 0; i < LIMITS.rejectsBeforeAbuse(); i++) {
                evil.send(absurd(++seq, 1_000, 0));
            }
            Status end = evil.awaitEnd(Duration.ofSeconds(10));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, end.getCode(), end.toString());
            assertEquals(
                    LIMITS.rejectsBeforeAbuse() + " invalid messages in a row",
                    end.getDescription());
            // The slot is disconnected before the stream is first seen too: wait for the accepted
            // seq 1.
            VmRecord s =
                    await(
                            "evil",
                            u ->
                                    u.getLong(GUEST_SEQ) == 1
                                            && !u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            assertEquals(LIMITS.rejectsBeforeAbuse(), s.getLong(REJECTED_MESSAGES));
        }
        long firstRejections =
                rejectLog.messages(Level.WARNING).stream()
                        .filter(m -> m.contains("vm evil: rejected "))
                        .count();

        try (GuestClient evil = new GuestClient(socket("evil"), clientLoop, "boot-e", "inst-e")) {
            watch.phase("over the message limit");
            evil.send(sample(++seq, 2_000));
            long accepted = seq;
            await(
                    "evil",
                    u ->
                            u.getLong(GUEST_SEQ) == accepted
                                    && u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            evil.send(
                    sample(++seq, 3_000).toBuilder()
                            .addFilesystems(
                                    Filesystem.newBuilder()
                                            .setDeviceBytes(
                                                    ByteString.copyFrom(
                                                            new byte
                                                                    [LIMITS.maxMessageBytes()
                                                                            + 1])))
                            .build());
            // gRPC refuses it before the collector sees it and resets the HTTP/2 stream, so the
            // guest
            // sees a cancellation rather than a status of the collector's.
            Status end = evil.awaitEnd(Duration.ofSeconds(10));
            assertFalse(end.isOk(), end.toString());
            VmRecord cut =
                    await(
                            "evil",
                            u ->
                                    !u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED)
                                            && u.getLong(REJECTED_OVERSIZED) == 1);
            assertEquals(
                    LIMITS.rejectsBeforeAbuse() + 1,
                    cut.getLong(REJECTED_MESSAGES),
                    "the total counts the oversized message with the rest");
        }

        // The VM is not banned: a well-behaved stream afterwards is published again.
        try (GuestClient again = new GuestClient(socket("evil"), clientLoop, "boot-e", "inst-e")) {
            again.send(sample(++seq, 4_000));
            long last = seq;
            await(
                    "evil",
                    u ->
                            u.getLong(GUEST_SEQ) == last
                                    && u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
        }
        assertEquals(
                1,
                firstRejections,
                LIMITS.rejectsBeforeAbuse() + " rejections within the log period make one line");
        for (String phase : List.of("rejects in a row", "over the message limit")) {
            assertTrue(
                    watch.worst(phase) <= ON_TIME.toNanos(),
                    "during '"
                            + phase
                            + "' the good VM's sample in the "
                            + "registry was "
                            + watch.worst(phase) / 1_000_000
                            + " ms old, over "
                            + ON_TIME.toMillis()
                            + " ms");
        }
    }

    // ---- harness ------------------------------------------------------------------------

    /**
     * A sample that breaks one bound: too many CPUs (0), too many filesystems (1), too long a
     * string (2).
     */
    private static Sample absurd(long seq, long user, int kind) {
        Sample.Builder b = sample(seq, user).toBuilder();
        switch (kind) {
            case 0 -> {
                Cpu.Builder cpu = b.getCpu().toBuilder();
                for (int i = 0; i <= LIMITS.maxCpus(); i++) {
                    cpu.addPerCpu(PerCpu.newBuilder().setCpu(i));
                }
                b.setCpu(cpu);
            }
            case 1 -> {
                for (int i = 0; i <= LIMITS.maxFilesystems(); i++) {
                    b.addFilesystems(Filesystem.newBuilder().setMountPoint("/m" + i));
                }
            }
            default ->
                    b.addFilesystems(
                            Filesystem.newBuilder()
                                    .setMountPoint("x".repeat(LIMITS.maxStringBytes() + 1)));
        }
        return b.build();
    }

    private Vm vm(String id) {
        return new Vm(
                id,
                HypervisorKind.NONE,
                OptionalInt.empty(),
                new GuestEndpoint.HybridVsock(dir.resolve(id + ".vsock"), 1024),
                List.of(),
                List.of(),
                HostEndpoints.NONE,
                false,
                Optional.empty());
    }

    private Path socket(String id) {
        return dir.resolve(id + ".vsock_1024");
    }

    private static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    private SlotSnapshot find(String vm) {
        SlotSnapshot s = reader.newSnapshot();
        for (int i = 0; i < reader.slotCount(); i++) {
            if (reader.read(i, s) && !s.isFree() && vm.equals(s.vmId())) {
                return s;
            }
        }
        throw new AssertionError("no slot holds vm " + vm);
    }

    private VmRecord await(String vm, Predicate<VmRecord> ok) throws InterruptedException {
        long end = deadline(Duration.ofSeconds(30));
        VmRecord last = null;
        while (System.nanoTime() < end) {
            last = find(vm).sample();
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(
                "vm "
                        + vm
                        + " never reached the expected state within 30 s; last guest_seq "
                        + (last == null ? "none" : last.getLong(GUEST_SEQ)));
    }

    /**
     * Reads the good VM's slot every 5 ms and keeps, per phase, the oldest its guest sample was
     * (host monotonic now minus the sample's arrival time; the collector runs in this JVM, so both
     * are the same clock).
     */
    private final class GoodVmWatch extends Thread {
        private final Map<String, Long> worst = new ConcurrentHashMap<>();
        private volatile String phase = "startup";

        GoodVmWatch() {
            super("good-vm-watch");
            setDaemon(true);
        }

        void phase(String name) {
            phase = name;
        }

        long worst(String name) {
            Long w = worst.get(name);
            assertTrue(w != null, "the good VM was never read during '" + name + "'");
            return w;
        }

        @Override
        public void run() {
            SlotSnapshot s = reader.newSnapshot();
            int slot = find("good").slot();
            while (!isInterrupted()) {
                if (reader.read(slot, s)) {
                    long age = System.nanoTime() - s.sample().getLong(LAST_GUEST_MONO_NS);
                    worst.merge(phase, age, Math::max);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
