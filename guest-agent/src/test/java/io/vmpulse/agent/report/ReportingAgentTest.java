package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The whole reporting path against a real gRPC collector on a Unix socket. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReportingAgentTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir Path dir;

    private CollectorAddress collectorAt(Path socket) {
        return CollectorAddress.parse("unix://" + socket);
    }

    /** Each seq from first to last exactly once, in order. */
    private static void assertConsecutive(List<Sample> samples, long first) {
        for (int i = 0; i < samples.size(); i++) {
            assertEquals(first + i, samples.get(i).getSeq(), "sample at index " + i);
        }
    }

    private GuestSampler sampler() {
        return new CountingSampler();
    }

    @Test
    void samples_arrive_in_order_with_seq_increasing_by_one_from_one() throws Exception {
        Path socket = dir.resolve("collector.sock");
        try (RecordingCollector collector = new RecordingCollector(socket).start();
                ReportingAgent agent =
                        new ReportingAgent(
                                        sampler(), collectorAt(socket), Duration.ofMillis(50), 100)
                                .start()) {
            List<Sample> got = collector.awaitSamples(s -> s.size() >= 20, WAIT);
            assertConsecutive(got, 1);
            assertEquals(50, got.get(0).getIntervalMs());
            for (int i = 1; i < got.size(); i++) {
                assertTrue(
                        got.get(i).getMonotonicNs() > got.get(i - 1).getMonotonicNs(),
                        "taken in order");
            }
            List<Hello> hellos = collector.hellos();
            assertEquals(1, hellos.size(), "one stream, one Hello");
            assertEquals(AgentIdentity.NAME, hellos.get(0).getAgentName());
            assertFalse(hellos.get(0).getAgentInstance().isEmpty());
            assertEquals(0, collector.duplicates());
        }
    }

    @Test
    void run_samples_and_sends_on_the_callers_thread_beside_one_link_thread() throws Exception {
        Path socket = dir.resolve("collector.sock");
        CountingSampler sampler = new CountingSampler();
        try (RecordingCollector collector = new RecordingCollector(socket).start();
                ReportingAgent agent =
                        new ReportingAgent(
                                sampler, collectorAt(socket), Duration.ofMillis(20), 100)) {
            Thread caller = new Thread(agent::run, "caller-of-run");
            caller.setDaemon(true);
            caller.start();
            List<Sample> got = collector.awaitSamples(s -> s.size() >= 20, WAIT);
            assertConsecutive(got, 1);
            List<String> agentThreads = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && t.getName().startsWith("vmpulse-")) {
                    agentThreads.add(t.getName());
                }
            }
            assertEquals(List.of("vmpulse-link"), agentThreads);
            agent.close();
            caller.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(caller.isAlive(), "run returns once the agent is closed");
        }
    }

    @Test
    void samples_taken_while_the_collector_is_down_arrive_exactly_once_after_it_restarts()
            throws Exception {
        Path socket = dir.resolve("collector.sock");
        try (RecordingCollector collector = new RecordingCollector(socket).start();
                ReportingAgent agent =
                        new ReportingAgent(
                                        sampler(), collectorAt(socket), Duration.ofMillis(50), 600)
                                .start()) {
            collector.awaitSamples(s -> s.size() >= 10, WAIT);
            collector.stop();
            long downFrom = System.nanoTime();
            Thread.sleep(3000);
            long downUntil = System.nanoTime();
            collector.start();
            List<Sample> got =
                    collector.awaitSamples(
                            s -> !s.isEmpty() && s.get(s.size() - 1).getMonotonicNs() > downUntil,
                            WAIT);

            assertConsecutive(got, 1);
            assertEquals(0, collector.duplicates(), "no sample stored twice");
            long takenWhileDown =
                    got.stream()
                            .filter(
                                    s ->
                                            s.getMonotonicNs() > downFrom
                                                    && s.getMonotonicNs() < downUntil)
                            .count();
            assertTrue(
                    takenWhileDown >= 40,
                    "3 s at 50 ms is ~60 samples taken while down, got " + takenWhileDown);
            assertTrue(got.stream().allMatch(s -> s.getDroppedBefore() == 0), "nothing dropped");
            List<Hello> hellos = collector.hellos();
            assertTrue(hellos.size() >= 2, "the agent said Hello again after reconnecting");
            assertEquals(
                    hellos.get(0).getAgentInstance(),
                    hellos.get(hellos.size() - 1).getAgentInstance(),
                    "same agent instance across reconnects");
        }
    }

    @Test
    void samples_the_collector_holds_unacknowledged_are_not_sent_again_after_a_reconnect()
            throws Exception {
        Path socket = dir.resolve("collector.sock");
        RecordingCollector collector = new RecordingCollector(socket).withholdAcks().start();
        try (collector;
                ReportingAgent agent =
                        new ReportingAgent(
                                        sampler(), collectorAt(socket), Duration.ofMillis(20), 600)
                                .start()) {
            collector.awaitSamples(s -> s.size() >= 20, WAIT);
            collector.stop(); // every sample so far is still in the agent's ring, unacknowledged
            Thread.sleep(300);
            collector.start();
            int held = collector.samples().size();
            List<Sample> got = collector.awaitSamples(s -> s.size() >= held + 20, WAIT);

            assertConsecutive(got, 1);
            assertEquals(0, collector.duplicates(), "the Welcome, not an Ack, said what was held");
            assertTrue(collector.hellos().size() >= 2, "the agent reconnected");
        }
    }

    @Test
    void a_restarted_agent_numbers_on_after_the_welcomes_last_seq_keeping_what_it_took_before()
            throws Exception {
        Path socket = dir.resolve("collector.sock");
        RecordingCollector collector = new RecordingCollector(socket).start();
        try {
            try (ReportingAgent first =
                    new ReportingAgent(sampler(), collectorAt(socket), Duration.ofMillis(20), 600)
                            .start()) {
                collector.awaitSamples(s -> s.size() >= 40, WAIT);
            }
            List<Sample> before = collector.samples();
            long held = before.get(before.size() - 1).getSeq();
            collector.stop();

            // The next agent process of this boot samples into its ring before any Welcome.
            long secondStarted = System.nanoTime();
            try (ReportingAgent second =
                    new ReportingAgent(sampler(), collectorAt(socket), Duration.ofMillis(20), 600)
                            .start()) {
                Thread.sleep(500);
                long collectorBack = System.nanoTime();
                collector.start();
                List<Sample> got = collector.awaitSamples(s -> s.size() >= held + 30, WAIT);

                assertConsecutive(got, 1);
                assertEquals(0, collector.duplicates(), "no seq sent twice");
                long takenBeforeWelcome =
                        got.subList((int) held, got.size()).stream()
                                .filter(
                                        s ->
                                                s.getMonotonicNs() > secondStarted
                                                        && s.getMonotonicNs() < collectorBack)
                                .count();
                // 500 ms at 20 ms is ~25 samples; numbered from 1 in the ring, they go out as
                // held+1.. rather than being dropped as already held.
                assertTrue(
                        takenBeforeWelcome >= 10,
                        "samples the second agent took before its Welcome arrived: "
                                + takenBeforeWelcome);
                List<Hello> hellos = collector.hellos();
                assertTrue(
                        !hellos.get(0)
                                .getAgentInstance()
                                .equals(hellos.get(hellos.size() - 1).getAgentInstance()),
                        "two agent processes");
            }
        } finally {
            collector.close();
        }
    }

    @Test
    void an_interval_sent_by_the_collector_is_honoured() throws Exception {
        Path socket = dir.resolve("collector.sock");
        try (RecordingCollector collector = new RecordingCollector(socket).start();
                ReportingAgent agent =
                        new ReportingAgent(
                                        sampler(), collectorAt(socket), Duration.ofMillis(400), 100)
                                .start()) {
            collector.awaitSamples(s -> s.size() >= 2, WAIT);
            assertTrue(collector.setInterval(40));
            List<Sample> got =
                    collector.awaitSamples(
                            s -> s.stream().filter(x -> x.getIntervalMs() == 40).count() >= 21,
                            WAIT);

            List<Sample> fast = got.stream().filter(x -> x.getIntervalMs() == 40).toList();
            long spanNs = fast.get(20).getMonotonicNs() - fast.get(0).getMonotonicNs();
            // 20 intervals of 40 ms is 800 ms; at the old 400 ms it would be 8 s.
            assertTrue(
                    spanNs < TimeUnit.MILLISECONDS.toNanos(2000)
                            && spanNs > TimeUnit.MILLISECONDS.toNanos(700),
                    "20 intervals took " + TimeUnit.NANOSECONDS.toMillis(spanNs) + " ms");
            assertEquals(Duration.ofMillis(40), agent.interval());
            assertConsecutive(got, 1);
        }
    }

    @Test
    void an_interval_below_the_minimum_is_clamped_and_reported() throws Exception {
        Path socket = dir.resolve("collector.sock");
        try (RecordingCollector collector = new RecordingCollector(socket).start();
                ReportingAgent agent =
                        new ReportingAgent(
                                        sampler(), collectorAt(socket), Duration.ofMillis(200), 100)
                                .start()) {
            collector.awaitSamples(s -> !s.isEmpty(), WAIT);
            assertTrue(collector.setInterval(1));
            long min = ReportingAgent.MIN_INTERVAL.toMillis();
            collector.awaitSamples(s -> s.stream().anyMatch(x -> x.getIntervalMs() == min), WAIT);
            assertEquals(ReportingAgent.MIN_INTERVAL, agent.interval());
        }
    }

    @Test
    void a_full_buffer_drops_the_oldest_and_the_next_sent_sample_counts_them() throws Exception {
        Path socket = dir.resolve("collector.sock");
        RecordingCollector collector = new RecordingCollector(socket);
        try (ReportingAgent agent =
                new ReportingAgent(sampler(), collectorAt(socket), Duration.ofMillis(20), 5)
                        .start()) {
            Thread.sleep(1000); // ~50 samples into a ring of 5, no collector yet
            collector.start();
            List<Sample> got = collector.awaitSamples(s -> s.size() >= 10, WAIT);
            Sample first = got.get(0);
            assertTrue(
                    first.getSeq() > 5,
                    "the oldest were dropped, first received is seq " + first.getSeq());
            assertEquals(
                    first.getSeq() - 1,
                    first.getDroppedBefore(),
                    "every earlier sample was dropped");
            assertConsecutive(got, first.getSeq());
            assertTrue(
                    got.subList(1, got.size()).stream().allMatch(s -> s.getDroppedBefore() == 0));
        } finally {
            collector.close();
        }
    }

    @Test
    void a_collector_that_stops_reading_does_not_slow_sampling() throws Exception {
        Path socket = dir.resolve("collector.sock");
        CountingSampler sampler = new CountingSampler();
        try (RecordingCollector collector = new RecordingCollector(socket, true).start();
                ReportingAgent agent =
                        new ReportingAgent(sampler, collectorAt(socket), Duration.ofMillis(10), 50)
                                .start()) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (collector.hellos().isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no Hello within " + WAIT);
                Thread.sleep(10);
            }
            long before = sampler.taken();
            Thread.sleep(3000);
            long during = sampler.taken() - before;
            // 3 s at 10 ms is 300 samples of ~500 bytes; the 1 KiB window and gRPC's 32 KiB ready
            // threshold are full after ~70, so most of these were taken while the stream pushed
            // back.
            assertTrue(
                    during >= 200,
                    "only " + during + " samples in 3 s while the collector was not reading");
            assertTrue(collector.samples().isEmpty(), "the collector read nothing after the Hello");
        }
    }
}
