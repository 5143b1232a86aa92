package io.vmpulse.agent.transport;

import java.io.IOException;

/**
 * A connected, blocking, full-duplex byte stream to the collector.
 *
 * <p>Threading: one thread may read while another writes; {@link #close()} may be called from any
 * thread at any time, wakes a thread blocked in {@link #read} (which then returns -1 or throws),
 * and is idempotent.
 */
public interface Connection extends AutoCloseable {

    /**
     * Blocks until at least one byte arrives; returns how many were read, or -1 at end of stream.
     */
    int read(byte[] b, int off, int len) throws IOException;

    /** Returns once all {@code len} bytes have been handed to the kernel. */
    void write(byte[] b, int off, int len) throws IOException;

    /**
     * Hands the kernel what its socket buffer takes now, never waiting: returns how many of the
     * {@code len} bytes went (0 when the buffer is full).
     */
    int writeNow(byte[] b, int off, int len) throws IOException;

    @Override
    void close();
}
