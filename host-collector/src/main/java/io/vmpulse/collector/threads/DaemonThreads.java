package io.vmpulse.collector.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the collector's pools. Daemon threads, so that a pool left open never keeps
 * the JVM alive after {@code main} or a shutdown hook returns; numbered names, so that a thread
 * dump says which pool a thread belongs to.
 */
public final class DaemonThreads {

    private DaemonThreads() {}

    public static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
