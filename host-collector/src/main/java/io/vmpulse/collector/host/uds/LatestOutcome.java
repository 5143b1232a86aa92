package io.vmpulse.collector.host.uds;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Runs one VM's blocking socket work on an executor shared by all VMs, at most one run at a time,
 * and hands the caller the result of the newest run that has finished.
 *
 * <p>Why: a VMM whose API or QMP socket accepts and never answers holds whoever talks to it for the
 * whole socket timeout. If that is the thread that merges and publishes, a few dozen hung VMMs
 * stall every VM on the host. Here the caller never waits: it starts a run if none is in flight and
 * goes on with the last finished result (one interval old at worst when the VMM is healthy, the
 * timeout failure itself when it hangs). A hung VMM only ever occupies a thread of the socket
 * executor, one timeout per backoff period; if enough of them fill that executor, healthy VMs'
 * socket values get older, but nobody's publishing is delayed.
 *
 * <p>With {@code Runnable::run} as the executor, the work runs on the caller's thread and its
 * result is returned at once: readings taken outside the collector stay synchronous.
 *
 * @param <T> an immutable result, or one that is not changed after the run that made it
 */
public final class LatestOutcome<T> {

    private final Executor executor;
    private final Runnable closeResources;
    private volatile T last;

    /**
     * Guarded by this, so that a run never starts after {@link #close} and resources close once.
     */
    private boolean running;

    private boolean closed;

    /**
     * @param closeResources closes what {@code work} uses, once no run is in flight any more
     */
    public LatestOutcome(Executor executor, Runnable closeResources) {
        this.executor = executor;
        this.closeResources = closeResources;
    }

    /**
     * Starts {@code work} unless a run is in flight; returns the newest finished result, null
     * before the first.
     */
    public T latest(Supplier<T> work) {
        synchronized (this) {
            if (!closed && !running) {
                running = true;
                try {
                    executor.execute(() -> run(work));
                } catch (RejectedExecutionException shuttingDown) {
                    running = false;
                }
            }
        }
        return last;
    }

    private void run(Supplier<T> work) {
        try {
            last = work.get();
        } finally {
            synchronized (this) {
                running = false;
                if (closed) {
                    closeResources.run();
                }
            }
        }
    }

    /** Closes the resources now, or when the run in flight ends; no run starts after this. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!running) {
            closeResources.run();
        }
    }
}
