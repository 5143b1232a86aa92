package io.vmpulse.collector.host.uds;

import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * Stops a client from waiting on a socket that has just timed out: for {@code period} after a
 * timeout, calls fail at once instead of costing another timeout. A VMM whose API hangs thus costs
 * the collector one timeout per period, not one per request.
 */
public final class TimeoutHold {

    private final long periodNanos;
    private long retryAtNanos;
    private boolean backingOff;

    public TimeoutHold(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /** Throws if a recent timeout says not to try now. */
    public void check(Object target) throws IOException {
        if (backingOff && System.nanoTime() - retryAtNanos < 0) {
            throw new SocketTimeoutException(
                    "not retried yet: "
                            + target
                            + " timed out less than "
                            + periodNanos / 1_000_000
                            + " ms ago");
        }
    }

    /** Records the outcome of a call that was tried. */
    public void record(IOException failure) {
        backingOff = failure instanceof SocketTimeoutException;
        if (backingOff) {
            retryAtNanos = System.nanoTime() + periodNanos;
        }
    }
}
