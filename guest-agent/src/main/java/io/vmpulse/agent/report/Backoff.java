package io.vmpulse.agent.report;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with full jitter: attempt n waits a uniform random time in [0,
 * min(cap, initial * 2^n)]. Full jitter spreads the reconnects of many guests whose collector
 * restarted at the same moment, instead of having them all retry in lockstep.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofMillis(100);
    static final Duration CAP = Duration.ofSeconds(30);

    /** 2^MAX_DOUBLINGS * INITIAL is far beyond any sane cap; stops the shift from overflowing. */
    private static final int MAX_DOUBLINGS = 30;

    private final long initialNanos;
    private final long capNanos;
    private final RandomGenerator random;
    private int attempt;

    Backoff(Duration initial, Duration cap, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.capNanos = cap.toNanos();
        this.random = random;
    }

    /** The ceiling for the next attempt; grows with each call to {@link #nextDelayNanos}. */
    long ceilingNanos() {
        long doubled = initialNanos << Math.min(attempt, MAX_DOUBLINGS);
        return doubled <= 0 || doubled > capNanos ? capNanos : doubled;
    }

    long nextDelayNanos() {
        long ceiling = ceilingNanos();
        attempt++;
        return random.nextLong(ceiling + 1);
    }

    /** A session got as far as a Welcome: the next failure starts again from the initial delay. */
    void reset() {
        attempt = 0;
    }
}
