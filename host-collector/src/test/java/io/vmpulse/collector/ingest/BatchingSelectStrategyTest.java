package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.channel.SelectStrategy;
import io.grpc.netty.shaded.io.netty.util.IntSupplier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchingSelectStrategyTest {

    private static final Duration WINDOW = Duration.ofMillis(50);

    /** A poll that reports {@code ready} events and counts how often it was asked. */
    private static final class Poll implements IntSupplier {
        final AtomicInteger calls = new AtomicInteger();
        final int ready;

        Poll(int ready) {
            this.ready = ready;
        }

        @Override
        public int get() {
            calls.incrementAndGet();
            return ready;
        }
    }

    @Test
    void pending_tasks_poll_at_once_without_waiting_out_the_window() throws Exception {
        SelectStrategy strategy = BatchingSelectStrategy.factory(WINDOW).newSelectStrategy();
        Poll poll = new Poll(0);
        long start = System.nanoTime();
        assertEquals(0, strategy.calculateStrategy(poll, true));
        assertTrue(
                System.nanoTime() - start < WINDOW.toNanos(),
                "tasks waited for the batching window");
        assertEquals(1, poll.calls.get());
    }

    @Test
    void events_that_gathered_during_the_window_are_returned_for_processing() throws Exception {
        SelectStrategy strategy = BatchingSelectStrategy.factory(WINDOW).newSelectStrategy();
        Poll poll = new Poll(7);
        long start = System.nanoTime();
        assertEquals(7, strategy.calculateStrategy(poll, false));
        assertTrue(
                System.nanoTime() - start >= WINDOW.toNanos(),
                "polled before the window had passed");
        assertEquals(1, poll.calls.get());
    }

    @Test
    void nothing_ready_after_the_window_blocks_in_select_so_the_next_event_is_read_at_once()
            throws Exception {
        SelectStrategy strategy = BatchingSelectStrategy.factory(WINDOW).newSelectStrategy();
        assertEquals(SelectStrategy.SELECT, strategy.calculateStrategy(new Poll(0), false));
    }

    @Test
    void window_must_be_positive() {
        assertThrows(
                IllegalArgumentException.class,
                () -> BatchingSelectStrategy.factory(Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> BatchingSelectStrategy.factory(Duration.ofMillis(-1)));
    }
}
