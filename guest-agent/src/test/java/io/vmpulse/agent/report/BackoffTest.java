package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {

    /** Always draws the largest value allowed, exposing the ceiling. */
    private static final RandomGenerator HIGHEST =
            new RandomGenerator() {
                @Override
                public long nextLong() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public long nextLong(long bound) {
                    return bound - 1;
                }
            };

    @Test
    void ceiling_doubles_from_the_initial_delay_up_to_the_cap() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), HIGHEST);
        long[] expectedMs = {100, 200, 400, 800, 1000, 1000};
        for (long ms : expectedMs) {
            assertEquals(Duration.ofMillis(ms).toNanos(), backoff.nextDelayNanos());
        }
    }

    @Test
    void reset_starts_again_from_the_initial_delay() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), HIGHEST);
        for (int i = 0; i < 50; i++) {
            backoff.nextDelayNanos();
        }
        assertEquals(
                Duration.ofSeconds(30).toNanos(),
                backoff.ceilingNanos(),
                "many attempts stay at the cap");
        backoff.reset();
        assertEquals(Duration.ofMillis(100).toNanos(), backoff.nextDelayNanos());
    }

    @Test
    void full_jitter_spreads_delays_over_zero_to_the_ceiling() {
        Backoff backoff =
                new Backoff(
                        Duration.ofMillis(100), Duration.ofMillis(100), new SplittableRandom(7));
        long ceiling = Duration.ofMillis(100).toNanos();
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long delay = backoff.nextDelayNanos();
            assertTrue(
                    delay >= 0 && delay <= ceiling,
                    "delay " + delay + " outside [0, " + ceiling + "]");
            min = Math.min(min, delay);
            max = Math.max(max, delay);
        }
        assertTrue(
                min < ceiling / 10 && max > ceiling * 9 / 10,
                "1000 draws should cover most of the range");
    }
}
