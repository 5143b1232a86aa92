package io.vmpulse.collector.ingest;

/**
 * A token bucket on a caller-supplied nanosecond clock. One per VM: a guest that sends faster than
 * its budget is throttled (its next read is delayed), which slows only that guest's stream because
 * HTTP/2 flow control pushes the backlog back into the guest.
 */
final class TokenBucket {

    private final double tokensPerNano;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.tokensPerNano = perSecond / 1e9;
        this.capacity = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return true;
        }
        return false;
    }

    /** Nanoseconds until one token will be there (0 if one is there now). */
    synchronized long nanosUntilToken(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1.0 ? 0 : (long) Math.ceil((1.0 - tokens) / tokensPerNano);
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
            lastNanos = nowNanos;
        }
    }
}
