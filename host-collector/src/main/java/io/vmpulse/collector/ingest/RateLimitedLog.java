package io.vmpulse.collector.ingest;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs at most one line per period, counting what it held back, so that a guest sending garbage in
 * a loop cannot fill the host's disk with the collector's log.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long periodNanos;
    private long nextAllowedNanos;
    private long suppressed;

    public RateLimitedLog(Logger log, long periodNanos) {
        this.log = log;
        this.periodNanos = periodNanos;
        this.nextAllowedNanos = Long.MIN_VALUE;
    }

    public void warn(long nowNanos, String message) {
        log(Level.WARNING, nowNanos, message);
    }

    public void info(long nowNanos, String message) {
        log(Level.INFO, nowNanos, message);
    }

    private synchronized void log(Level level, long nowNanos, String message) {
        if (nowNanos - nextAllowedNanos < 0 && nextAllowedNanos != Long.MIN_VALUE) {
            suppressed++;
            return;
        }
        String tail = suppressed == 0 ? "" : " (" + suppressed + " similar lines suppressed)";
        log.log(level, message + tail);
        suppressed = 0;
        nextAllowedNanos = nowNanos + periodNanos;
    }
}
