package io.vmpulse.collector.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * A small fixed pool whose workers pick up tasks every {@code period} instead of being woken for
 * each one. {@link #execute} only appends to a lock-free queue: the caller (the ingest I/O thread)
 * never makes a system call to hand work over.
 *
 * <p>Why: a thousand VMs at 1 Hz hand a thousand guest samples a second to the merge workers,
 * spread evenly, so a classic pool finds its workers asleep every time and pays a futex wake-up per
 * sample (and often a second one on the lock the woken worker then contends). Polling every few
 * milliseconds turns that into a fixed {@code threads / period} wake-ups a second, whatever the
 * number of VMs, for at most {@code period} of added delay before a sample is published. The
 * sample's arrival time is taken on arrival, so no rate or freshness figure moves.
 *
 * <p>Tasks run in submission order per worker; a task that throws an exception is logged and the
 * worker goes on. A task that throws an Error (an InternalError from a mapped file cut short, an
 * OutOfMemoryError) ends its worker: {@link #failure()} then says so, and the collector takes its
 * health down with it rather than go on with a pool that silently lost a thread.
 */
final class BatchingExecutor implements Executor, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchingExecutor.class.getName());

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final long periodNanos;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;
    private volatile String failure;

    BatchingExecutor(int threads, Duration period, ThreadFactory factory) {
        if (threads < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException(
                    "need at least one thread and a positive period, got "
                            + threads
                            + " and "
                            + period);
        }
        this.periodNanos = period.toNanos();
        for (int i = 0; i < threads; i++) {
            Thread t = factory.newThread(this::work);
            workers.add(t);
            t.start();
        }
    }

    @Override
    public void execute(Runnable task) {
        if (closed) {
            throw new RejectedExecutionException("executor is closed");
        }
        tasks.add(task);
    }

    private void work() {
        while (!closed) {
            Runnable task;
            while (!closed && (task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warning("task failed: " + e);
                } catch (Error e) {
                    failure = "thread " + Thread.currentThread().getName() + " died: " + e;
                    throw e;
                }
            }
            LockSupport.parkNanos(this, periodNanos);
        }
    }

    /**
     * Null while every worker is alive; otherwise which one died and of what. Closing is not a
     * failure.
     */
    String failure() {
        if (closed) {
            return null;
        }
        String f = failure;
        if (f != null) {
            return f;
        }
        for (Thread t : workers) {
            if (!t.isAlive()) {
                return "thread " + t.getName() + " died";
            }
        }
        return null;
    }

    /** Stops the workers; tasks not started yet are dropped. Does not wait for a running task. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
