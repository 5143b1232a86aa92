package io.vmpulse.agent.sys;

/**
 * A sleep that another thread, or a termination signal, can end early: a non-blocking pipe, polled
 * with a timeout and emptied when it wakes. The sampling thread sleeps on one instead of {@code
 * LockSupport.parkNanos} because a C signal handler can write to a pipe but cannot unpark a Java
 * thread; that is what lets the agent run with {@code -Xrs}, without the JVM's Signal Dispatcher
 * thread, and still half-close its call on SIGTERM (docs/benchmarks.md, "Third pass").
 *
 * <p>{@link #catchTermination} is process-wide: from then on SIGTERM, SIGINT and SIGHUP, the first
 * of each, only set {@link #caughtSignal} and wake this pipe; a second one of the same kind gets
 * the default action and ends the process.
 */
public final class Wakeup implements AutoCloseable {

    static {
        NativeLibrary.load();
    }

    private final int readFd;
    private final int writeFd;
    private volatile boolean closed;

    private Wakeup(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    public static Wakeup open() {
        long fds = pipe();
        if (fds < 0) {
            throw new IllegalStateException("pipe: " + NativeLibrary.describe(fds));
        }
        return new Wakeup((int) (fds >>> 32), (int) fds);
    }

    /**
     * Sleeps up to {@code nanos}, less if {@link #wake} was called since the last wake-up (or is
     * called meanwhile) or a caught signal arrives; true if woken.
     */
    public boolean awaitNanos(long nanos) {
        int r = await(readFd, Math.max(nanos, 0));
        if (r < 0) {
            throw new IllegalStateException("ppoll: " + NativeLibrary.describe(r));
        }
        return r == 1;
    }

    /** Ends the current or the next {@link #awaitNanos}, from any thread; never blocks. */
    public void wake() {
        if (closed) {
            return;
        }
        int r = wake(writeFd);
        if (r < 0) {
            throw new IllegalStateException("wake-up write: " + NativeLibrary.describe(r));
        }
    }

    /** Routes the process's termination signals to this pipe; see the class comment. */
    public void catchTermination() {
        int r = catchTermination(writeFd);
        if (r < 0) {
            throw new IllegalStateException("sigaction: " + NativeLibrary.describe(r));
        }
    }

    /** The first termination signal caught since {@link #catchTermination}, or 0. */
    public static int caughtSignal() {
        return caughtSignalNative();
    }

    /** Closes the pipe; only once nothing can wake it any more (no thread, no caught signal). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            forget(writeFd);
            NativeLibrary.close(readFd);
            NativeLibrary.close(writeFd);
        }
    }

    private static native long pipe();

    private static native int await(int fd, long nanos);

    private static native int wake(int fd);

    private static native int catchTermination(int fd);

    private static native void forget(int fd);

    private static native int caughtSignalNative();
}
