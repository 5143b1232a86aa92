package io.vmpulse.bench.load;

import java.util.concurrent.atomic.AtomicLong;

/** What a {@link Fleet}'s guests did, summed over all of them; updated from any thread. */
final class FleetCounters {

    final AtomicLong welcomed = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong streamErrors = new AtomicLong();
    final AtomicLong notReady = new AtomicLong();
    final AtomicLong setIntervals = new AtomicLong();

    @Override
    public String toString() {
        return "welcomed="
                + welcomed.get()
                + " sent="
                + sent.get()
                + " acked="
                + acked.get()
                + " stream_errors="
                + streamErrors.get()
                + " not_ready="
                + notReady.get()
                + " set_interval="
                + setIntervals.get();
    }
}
