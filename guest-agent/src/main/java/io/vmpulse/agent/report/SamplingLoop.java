package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The sampling thread: takes a reading every interval at a fixed rate, numbers and encodes it, and
 * appends it to the ring. It never touches the network, so a slow or absent collector cannot delay
 * a sample.
 *
 * <p>Fixed rate means sample k is due at start + k * interval, not "interval after the previous one
 * finished". When the thread falls a whole interval behind (the VM was paused), it takes one sample
 * at once and restarts the grid from there rather than catching up with a burst.
 */
final class SamplingLoop implements Runnable {

    static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);

    private final GuestSampler sampler;
    private final SampleRing ring;
    private final SampleEncoder encoder = new SampleEncoder();

    /** Where the reading is encoded; the ring copies it into its own slot. */
    private final SampleBuffer scratch = new SampleBuffer();

    private final Thread thread = new Thread(this, "vmpulse-sampler");
    private volatile long intervalNanos;
    private volatile boolean running = true;
    private long nextSeq = 1;
    private boolean overflowing;
    private boolean failing;

    SamplingLoop(GuestSampler sampler, SampleRing ring, Duration interval) {
        this.sampler = sampler;
        this.ring = ring;
        this.intervalNanos = clamp(interval).toNanos();
        thread.setDaemon(true);
    }

    static Duration clamp(Duration interval) {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            return MIN_INTERVAL;
        }
        return interval.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : interval;
    }

    void start() {
        thread.start();
    }

    Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /** Takes effect at once: the next sample is due one new interval after the previous one. */
    Duration setInterval(Duration requested) {
        Duration taken = clamp(requested);
        intervalNanos = taken.toNanos();
        LockSupport.unpark(thread);
        return taken;
    }

    void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    @Override
    public void run() {
        long last = System.nanoTime() - intervalNanos;
        while (running) {
            long interval = intervalNanos;
            long due = last + interval;
            long now = System.nanoTime();
            if (now - due < 0) {
                LockSupport.parkNanos(this, due - now);
                continue;
            }
            sampleOnce(interval);
            last = now - due >= interval ? now : due;
        }
    }

    private void sampleOnce(long intervalNanos) {
        try {
            encoder.encode(
                    nextSeq,
                    sampler.read(),
                    (int) TimeUnit.NANOSECONDS.toMillis(intervalNanos),
                    scratch);
        } catch (RuntimeException e) {
            if (!failing) {
                LogLine.warning(
                        SamplingLoop.class, "sampling failed; retrying every interval: " + e, e);
                failing = true;
            }
            return;
        }
        if (failing) {
            LogLine.info(SamplingLoop.class, "sampling works again");
            failing = false;
        }
        nextSeq++;
        boolean dropped = ring.append(scratch);
        if (dropped != overflowing) {
            overflowing = dropped;
            if (dropped) {
                LogLine.warning(
                        SamplingLoop.class,
                        "sample buffer full ("
                                + ring.capacity()
                                + " samples): dropping the oldest");
            } else {
                LogLine.info(
                        SamplingLoop.class,
                        "sample buffer has room again; "
                                + ring.droppedTotal()
                                + " samples dropped so far");
            }
        }
    }
}
