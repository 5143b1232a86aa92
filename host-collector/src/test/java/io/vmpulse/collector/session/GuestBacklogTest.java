package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HostTargets;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.ingest.IngestServer;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest samples that arrive while the merge pool is behind wait their turn and are all published,
 * in order; only past the session's backlog is one superseded, and then it is counted as dropped.
 * The pool here runs nothing until the test says so: a merge pool that fell behind.
 */
class GuestBacklogTest {

    private static final Hello HELLO =
            Hello.newBuilder().setBootId("boot").setAgentInstance("instance").build();

    @TempDir Path dir;
    private static final int BUDGET = 5;

    private final Queue<Runnable> pool = new ArrayDeque<>();
    private final ArrivalBudget budget = new ArrivalBudget(BUDGET);
    private RegistryWriter registry;
    private IngestServer ingest;
    private RegistryReader reader;
    private VmSession session;
    private int slot;

    @BeforeEach
    void open() throws Exception {
        registry = RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), 2, null));
        ingest = new IngestServer(GuestLimits.DEFAULT);
        slot = registry.claim("vm-a");
        session =
                new VmSession(
                        "vm-a",
                        slot,
                        registry,
                        new HostSampler(
                                HostTargets.ofProcess(HypervisorKind.NONE, 0),
                                HostSampler.Options.defaults()),
                        pool::add,
                        budget,
                        Duration.ofSeconds(1).toNanos(),
                        ingest,
                        Duration.ofSeconds(1));
        reader = RegistryReader.open(dir.resolve("registry"));
    }

    @AfterEach
    void close() {
        reader.close();
        ingest.close();
        registry.close();
    }

    @Test
    void samples_that_arrive_while_the_merge_is_behind_are_all_published_in_order() {
        long before = slotSnapshot().seq();
        arrive(1, 5);
        runPool();
        SlotSnapshot s = slotSnapshot();
        assertEquals(5, (s.seq() - before) / 2, "one publish per sample");
        assertEquals(5, s.sample().getLong(RecordFields.GUEST_SEQ));
        assertEquals(0, s.sample().getLong(RecordFields.DROPPED_SAMPLES));
    }

    @Test
    void past_the_collectors_budget_the_oldest_sample_is_superseded_and_counted_as_dropped() {
        int extra = 3;
        long before = slotSnapshot().seq();
        arrive(1, 1 + BUDGET + extra);
        runPool();
        SlotSnapshot s = slotSnapshot();
        assertEquals(1 + BUDGET, (s.seq() - before) / 2, "one publish per sample kept");
        assertEquals(1 + BUDGET + extra, s.sample().getLong(RecordFields.GUEST_SEQ));
        assertEquals(extra, s.sample().getLong(RecordFields.DROPPED_SAMPLES));

        arrive(1 + BUDGET + extra + 1, 1 + BUDGET);
        runPool();
        assertEquals(
                extra,
                slotSnapshot().sample().getLong(RecordFields.DROPPED_SAMPLES),
                "a drained queue gave its permits back");
    }

    @Test
    void past_the_backlog_the_oldest_sample_is_superseded_and_counted_as_dropped() {
        budget.release(VmSession.BACKLOG); // the budget is not what binds here
        int extra = 3;
        long before = slotSnapshot().seq();
        arrive(1, VmSession.BACKLOG + extra);
        runPool();
        SlotSnapshot s = slotSnapshot();
        assertEquals(VmSession.BACKLOG, (s.seq() - before) / 2, "one publish per sample kept");
        assertEquals(VmSession.BACKLOG + extra, s.sample().getLong(RecordFields.GUEST_SEQ));
        assertEquals(extra, s.sample().getLong(RecordFields.DROPPED_SAMPLES));
    }

    private void arrive(long fromSeq, int count) {
        for (long seq = fromSeq; seq < fromSeq + count; seq++) {
            session.guestSample(
                    HELLO,
                    Sample.newBuilder().setSeq(seq).build(),
                    Continuity.CONTINUES,
                    System.nanoTime());
        }
    }

    private void runPool() {
        assertTrue(pool.size() <= 1, "one drain scheduled at a time, got " + pool.size());
        Runnable r;
        while ((r = pool.poll()) != null) {
            r.run();
        }
    }

    private SlotSnapshot slotSnapshot() {
        SlotSnapshot s = reader.newSnapshot();
        assertTrue(reader.read(slot, s));
        return s;
    }
}
