package io.vmpulse.collector.host.uds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LatestOutcomeTest {

    /** An executor that runs what it was given only when the test says so. */
    private final Queue<Runnable> queued = new ArrayDeque<>();

    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();

    private String work() {
        return "run " + runs.incrementAndGet();
    }

    @Test
    void on_the_callers_thread_the_result_comes_back_at_once() {
        LatestOutcome<String> outcome = new LatestOutcome<>(Runnable::run, closes::incrementAndGet);
        assertEquals("run 1", outcome.latest(this::work));
        assertEquals("run 2", outcome.latest(this::work));
    }

    @Test
    void a_caller_never_waits_and_only_one_run_is_in_flight() {
        LatestOutcome<String> outcome = new LatestOutcome<>(queued::add, closes::incrementAndGet);
        assertNull(outcome.latest(this::work), "nothing has finished yet");
        assertNull(outcome.latest(this::work));
        assertEquals(1, queued.size(), "the second call found a run in flight and started none");
        queued.remove().run();
        assertEquals(
                "run 1",
                outcome.latest(this::work),
                "the newest finished result, and a new run started");
        assertEquals(1, queued.size());
    }

    @Test
    void closing_during_a_run_closes_the_resources_once_when_it_ends_and_no_run_starts_after() {
        LatestOutcome<String> outcome = new LatestOutcome<>(queued::add, closes::incrementAndGet);
        outcome.latest(this::work);
        outcome.close();
        outcome.close();
        assertEquals(0, closes.get(), "a run is still using them");
        queued.remove().run();
        assertEquals(1, closes.get());
        assertEquals("run 1", outcome.latest(this::work));
        assertEquals(0, queued.size(), "no run after close");
        outcome.close();
        assertEquals(1, closes.get());
    }

    @Test
    void closing_when_idle_closes_the_resources_at_once_and_once() {
        LatestOutcome<String> outcome = new LatestOutcome<>(Runnable::run, closes::incrementAndGet);
        outcome.latest(this::work);
        outcome.close();
        outcome.close();
        assertEquals(1, closes.get());
    }
}
