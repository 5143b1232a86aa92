package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sys.Wakeup;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The sampling thread: takes a reading every interval at a fixed rate, numbers and encodes it,
 * appends it to the ring, and gives the {@link Sender} a turn, which writes what the collector's
 * socket takes without waiting; so a slow or absent collector cannot delay a sample. The sender
 * also gets a turn whenever it asked for one (a retry, a deadline) or {@link #sendSoon} was called.
 * It runs on the thread that calls {@link #run}: the agent's main thread. It sleeps on a {@link
 * Wakeup}, so a termination signal caught there ({@link Wakeup#catchTermination}) ends it too.
 *
 * <p>Fixed rate means sample k is due at start + k * interval, not "interval after the previous one
 * finished". When the thread falls a whole interval behind (the VM was paused), it takes one sample
 * at once and restarts the grid from there rather than catching up with a burst.
 */
final class SamplingLoop implements Runnable {

    /** What the sampling thread does for the network between samples; never waits. */
    interface Sender {
        /** Returns the ns until it wants another turn, or {@link Long#MAX_VALUE} for none. */
        long send(long nowNanos);
    }

    static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);

    private final GuestSampler sampler;
    private final SampleRing ring;
    private final SampleEncoder encoder = new SampleEncoder();

    /** Where the reading is encoded; the ring copies it into its own slot. */
    private final SampleBuffer scratch = new SampleBuffer();

    private final Wakeup wakeup = Wakeup.open();

    private Sender sender;
    private volatile Thread runner;
    private volatile long intervalNanos;
    private volatile boolean running = true;
    private volatile boolean sendRequested;
    private boolean finished;
    private long nextSeq = 1;
    private boolean overflowing;
    private boolean failing;

    SamplingLoop(GuestSampler sampler, SampleRing ring, Duration interval) {
        this.sampler = sampler;
        this.ring = ring;
        this.intervalNanos = clamp(interval).toNanos();
    }

    static Duration clamp(Duration interval) {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            return MIN_INTERVAL;
        }
        return interval.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : interval;
    }

    /** Who gets the turns; set before {@link #run}. */
    void sendWith(Sender sender) {
        this.sender = sender;
    }

    /** Gives the sender a turn now (it has something new to do), from any thread. */
    void sendSoon() {
        sendRequested = true;
        wakeup.wake();
    }

    Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /** Takes effect at once: the next sample is due one new interval after the previous one. */
    Duration setInterval(Duration requested) {
        Duration taken = clamp(requested);
        intervalNanos = taken.toNanos();
        wakeup.wake();
        return taken;
    }

    /** Ends {@link #run} and waits (up to 10 s) until it has returned, if it ever started. */
    void stop() throws InterruptedException {
        running = false;
        wakeup.wake();
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (long left = deadline - System.nanoTime();
                    runner != null && !finished && left > 0;
                    left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Routes the process's termination signals to this loop: the first one ends {@link #run}. */
    void stopOnTerminationSignal() {
        wakeup.catchTermination();
    }

    /** Releases the wake-up pipe; after {@link #stop}, once no other thread can call in. */
    void release() {
        wakeup.close();
    }

    /** Samples on the calling thread until {@link #stop} or a caught termination signal. */
    @Override
    public void run() {
        synchronized (this) {
            runner = Thread.currentThread();
        }
        try {
            long last = System.nanoTime() - intervalNanos;
            long sendAt = Long.MAX_VALUE;
            while (running) {
                long interval = intervalNanos;
                long due = last + interval;
                long now = System.nanoTime();
                if (sendRequested || (sendAt != Long.MAX_VALUE && now - sendAt >= 0)) {
                    sendRequested = false;
                    sendAt = turn(now);
                }
                if (now - due < 0) {
                    long wake = sendAt != Long.MAX_VALUE && sendAt - due < 0 ? sendAt : due;
                    if (wakeup.awaitNanos(wake - now) && Wakeup.caughtSignal() != 0) {
                        running = false;
                    }
                    continue;
                }
                sampleOnce(interval);
                sendAt = turn(System.nanoTime());
                last = now - due >= interval ? now : due;
            }
        } finally {
            synchronized (this) {
                finished = true;
                notifyAll();
            }
        }
    }

    /** The sender's turn; returns when it wants the next one ({@link Long#MAX_VALUE}: none). */
    private long turn(long now) {
        long wait = sender.send(now);
        return wait == Long.MAX_VALUE ? Long.MAX_VALUE : now + Math.max(wait, 0);
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
