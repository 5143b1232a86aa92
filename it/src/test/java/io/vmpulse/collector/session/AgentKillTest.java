package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.GUEST_MONO_NS;
import static io.vmpulse.registry.layout.RecordFields.GUEST_SEQ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.merge.IngestCounts;
import io.vmpulse.collector.testing.RegistrySlots;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent jar is killed with SIGKILL in the middle of its stream, twice, and started again
 * each time, while a thread watches the registry slot: no seq is ever published for two different
 * samples, seq never goes back, and the collector has published every seq of the boot from 1 to the
 * last exactly once (a restarted agent numbers on after what the collector holds).
 */
@Timeout(180)
class AgentKillTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int KILLS = 2;

    /** Samples published between kills: the stream is well under way when it is cut. */
    private static final long SAMPLES_PER_AGENT = 25;

    @TempDir Path dir;

    /** The agents' temporary directory: what a killed agent leaves behind shows here. */
    private Path agentTemp;

    @BeforeEach
    void agentTemp() {
        agentTemp = dir.resolve("agent-tmp");
    }

    private final List<Process> agents = new ArrayList<>();
    private Collector collector;

    @AfterEach
    void stop() throws Exception {
        for (Process p : agents) {
            p.destroyForcibly().waitFor();
        }
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void agent_killed_mid_stream_and_restarted_never_has_a_seq_published_twice_or_skipped()
            throws Exception {
        assertTrue(
                Files.isRegularFile(EndToEndTest.AGENT_JAR),
                "build the agent first: " + EndToEndTest.AGENT_JAR);
        Path registry = dir.resolve("registry");
        collector =
                Collector.start(
                        CollectorSettings.registryOnly(
                                registry, 2, INTERVAL, Duration.ofMillis(500), GuestLimits.DEFAULT),
                        HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        String id = "kill9-" + ProcessHandle.current().pid();
        GuestEndpoint.HybridVsock endpoint =
                new GuestEndpoint.HybridVsock(dir.resolve("kill9.vsock"), 1024);
        // The VMM is this test's JVM, so the host half stays steady while agents come and go.
        vms.register(
                new Vm(
                        id,
                        HypervisorKind.NONE,
                        OptionalInt.of((int) ProcessHandle.current().pid()),
                        endpoint,
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty()),
                VmSource.API);

        try (RegistryReader reader = RegistryReader.open(registry)) {
            SlotWatch watch = new SlotWatch(reader, id);
            Thread watcher = new Thread(watch, "slot-watch");
            watcher.start();
            try {
                long published = 0;
                for (int agent = 0; agent <= KILLS; agent++) {
                    Process p = startAgent(endpoint.listenPath());
                    long target = published + SAMPLES_PER_AGENT;
                    RegistrySlots.await(
                            reader,
                            id,
                            Duration.ofSeconds(60),
                            u ->
                                    u.getLong(GUEST_SEQ) >= target
                                            && u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
                    if (agent < KILLS) {
                        p.destroyForcibly(); // SIGKILL: no half-close, no last Ack read
                        p.waitFor();
                    }
                    published = target;
                }
            } finally {
                watch.stop.set(true);
                watcher.join();
            }
            for (Process p : agents) {
                p.destroyForcibly().waitFor();
            }

            // The last agent is dead: once its last accepted sample is merged, the two agree.
            IngestCounts counts;
            long lastSeq;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            do {
                counts = collector.ingestCounts(id);
                lastSeq = RegistrySlots.find(reader, id).sample().getLong(GUEST_SEQ);
                Thread.sleep(20);
            } while (lastSeq != counts.accepted() && System.nanoTime() < deadline);
            watch.assertNoSeqTwice(lastSeq);
            assertEquals(
                    lastSeq,
                    counts.accepted(),
                    "seqs 1.." + lastSeq + " each published once: no seq skipped or repeated");
            assertEquals(0, counts.duplicates(), "a restarted agent resent nothing already held");
            assertEquals(0, counts.rejected());
            assertEquals(0, counts.guestRestarts(), "one guest boot throughout");
        }
        try (var left = Files.list(agentTemp)) {
            assertEquals(
                    List.of(),
                    left.map(p -> p.getFileName().toString()).toList(),
                    "the agent jar's copy of its native library outlived the killed agents");
        }
    }

    private Process startAgent(Path socket) throws Exception {
        Files.createDirectories(agentTemp);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p =
                new ProcessBuilder(
                                java,
                                "-Djava.io.tmpdir=" + agentTemp,
                                "-jar",
                                EndToEndTest.AGENT_JAR.toString(),
                                "--collector",
                                "unix://" + socket,
                                "--interval",
                                INTERVAL.toMillis() + "ms")
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        dir.resolve("agents.log").toFile()))
                        .start();
        agents.add(p);
        return p;
    }

    /**
     * Reads the VM's slot over and over and keeps each guest sample it sees, by seq: the sample is
     * told apart by its guest CLOCK_MONOTONIC time, which two samples never share.
     */
    private static final class SlotWatch implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        private final RegistryReader reader;
        private final String vmId;
        private final TreeMap<Long, Long> monoBySeq = new TreeMap<>();
        private final List<String> problems = new ArrayList<>();
        private long lastSeq;
        private long lastMono;

        SlotWatch(RegistryReader reader, String vmId) {
            this.reader = reader;
            this.vmId = vmId;
        }

        @Override
        public void run() {
            while (!stop.get()) {
                SlotSnapshot s = RegistrySlots.find(reader, vmId);
                if (s != null && s.sample().getLong(GUEST_SEQ) != 0) {
                    see(s.sample().getLong(GUEST_SEQ), s.sample().getLong(GUEST_MONO_NS));
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void see(long seq, long mono) {
            if (seq == lastSeq && mono == lastMono) {
                return; // the same record again, or republished with only its host half new
            }
            lastMono = mono;
            Long before = monoBySeq.putIfAbsent(seq, mono);
            if (before != null && before != mono) {
                problems.add(
                        "seq " + seq + " published for two samples (" + before + ", " + mono + ")");
            }
            if (seq < lastSeq) {
                problems.add("seq went back from " + lastSeq + " to " + seq);
            }
            lastSeq = seq;
        }

        void assertNoSeqTwice(long finalSeq) {
            assertEquals(List.of(), problems.subList(0, Math.min(10, problems.size())));
            assertTrue(
                    monoBySeq.size() >= (KILLS + 1) * SAMPLES_PER_AGENT / 2,
                    "the watch saw "
                            + monoBySeq.size()
                            + " of "
                            + finalSeq
                            + " samples; too few to judge");
            // Guest time moves on with seq: a seq the restarted agent reused would show as an
            // older seq carrying a newer sample than a later one.
            long previous = Long.MIN_VALUE;
            for (Map.Entry<Long, Long> e : monoBySeq.entrySet()) {
                assertTrue(
                        e.getValue() > previous,
                        "seq " + e.getKey() + " carries a sample taken before its predecessor's");
                previous = e.getValue();
            }
        }
    }
}
