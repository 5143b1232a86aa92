package io.vmpulse.agent.sample;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs statvfs of mounts that might hang (NFS, FUSE, ...) on worker threads, so that a dead server
 * costs a sample at most one timeout and then nothing.
 *
 * <p>A thread blocked in statvfs cannot be interrupted; it stays blocked until the kernel gives up
 * or the server answers. So the guard never issues a second call to a mount whose previous call has
 * not returned: that mount is reported as still hung, without a new thread. Threads are therefore
 * bounded by the number of hung mounts, and capped at {@link #MAX_THREADS}. Idle threads exit after
 * {@link #IDLE_SECONDS}.
 *
 * <p>Used by the sampling thread only: {@link #start} all guarded calls, do the inline work, then
 * {@link #finish} each against one deadline, so several hung mounts cost one timeout in total, not
 * one each.
 */
final class StatfsGuard implements AutoCloseable {

    static final int MAX_THREADS = FilesystemSelection.MAX_FILESYSTEMS;
    static final int IDLE_SECONDS = 30;

    private final long timeoutNanos;
    private final String timedOut;
    private final String stillHung;
    private final String saturated;
    private final ThreadPoolExecutor pool;

    /** Calls not yet seen to return, by mount id. */
    private final Map<Integer, Future<String>> unanswered = new HashMap<>();

    StatfsGuard(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("statfs timeout must be positive, got " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
        this.timedOut = "statfs timed out after " + timeout.toMillis() + "ms";
        this.stillHung =
                timedOut + " (still hung: the call from an earlier sample has not returned)";
        this.saturated = "statfs not issued: " + MAX_THREADS + " earlier calls have not returned";
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory daemons =
                new ThreadFactory() {
                    @Override
                    public Thread newThread(Runnable r) {
                        Thread t = new Thread(r, "vmpulse-statfs-" + threads.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }
                };
        this.pool =
                new ThreadPoolExecutor(
                        0,
                        MAX_THREADS,
                        IDLE_SECONDS,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        daemons);
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** Issues statvfs of {@code fs} on a worker, or returns null having recorded why not. */
    Future<String> start(Statvfs fs) {
        Future<String> previous = unanswered.get(fs.mount.mountId());
        if (previous != null && !previous.isDone()) {
            fs.fail(stillHung);
            return null;
        }
        try {
            Future<String> call = pool.submit(fs);
            unanswered.put(fs.mount.mountId(), call);
            return call;
        } catch (RejectedExecutionException e) {
            fs.fail(saturated);
            return null;
        }
    }

    /**
     * Waits for {@code call} until {@code deadlineNanos} ({@link System#nanoTime()}) and records
     * the outcome.
     */
    void finish(Statvfs fs, Future<String> call, long deadlineNanos) {
        try {
            String error =
                    call.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            unanswered.remove(fs.mount.mountId());
            fs.settle(error);
        } catch (TimeoutException e) {
            fs.fail(timedOut);
        } catch (ExecutionException e) {
            unanswered.remove(fs.mount.mountId());
            fs.fail("statvfs failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fs.fail("statfs abandoned: the sampling thread was interrupted");
        }
    }

    /** Forgets calls to mounts that are gone once they return, so the map holds only hung ones. */
    void forgetReturned() {
        if (!unanswered.isEmpty()) {
            for (Iterator<Future<String>> i = unanswered.values().iterator(); i.hasNext(); ) {
                if (i.next().isDone()) {
                    i.remove();
                }
            }
        }
    }

    /** Threads alive now, busy or idle. */
    int threads() {
        return pool.getPoolSize();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
