package io.vmpulse.collector.host.firecracker;

import com.sun.jna.LastErrorException;
import io.vmpulse.collector.sys.LibC;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * Reads the lines a VMM appends to a metrics file or writes into a FIFO, without ever waiting.
 *
 * <p>The path is opened {@code O_RDONLY|O_NONBLOCK}: opening a FIFO that has no writer yet returns
 * at once (Java's own open would block), and reading an empty FIFO returns {@code EAGAIN}. Each
 * {@link #drain} reads what is there now, at most {@link #MAX_BYTES_PER_DRAIN}, and hands over the
 * complete lines; a partial line is kept until its newline arrives. A line longer than {@code
 * maxLineBytes} is dropped (reported as {@link Sink#overlong()}) rather than buffered.
 *
 * <p>A regular file can be cut shorter under the reader (logrotate's {@code copytruncate}): its
 * size then falls below the read offset, and reads would return nothing forever. At the end of each
 * drain the size is compared with the offset; a file that shrank is read again from its start, and
 * the partial line from before the cut is dropped. A file cut and then refilled past the old offset
 * between two drains cannot be told from one that grew; its new start is missed.
 */
public final class MetricsStream implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MetricsStream.class.getName());

    /** Bounds the time one drain can take when a writer floods the FIFO. */
    public static final int MAX_BYTES_PER_DRAIN = 4 << 20;

    /** Receives the lines read. */
    public interface Sink {
        /** One complete line, without its newline, in {@code bytes[offset, offset + length)}. */
        void line(byte[] bytes, int offset, int length);

        /** A line longer than the limit was dropped. */
        void overlong();
    }

    private final Path path;
    private final int maxLineBytes;

    /**
     * The read buffer. Its bytes are consumed before {@link #drain} returns, so every stream
     * drained on one thread can share one: 64 KiB per merge thread instead of per VM (a thousand
     * VMs would otherwise hold 64 MiB of read buffers).
     */
    private static final ThreadLocal<byte[]> CHUNK =
            ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    /** The partial line carried over between reads; grows to the longest line seen. */
    private byte[] pending = new byte[0];

    private int pendingLength;
    private boolean discarding;
    private int fd = -1;

    /** Bytes read from a regular file since it was opened or last found cut; -1 for a FIFO. */
    private long offset;

    public MetricsStream(Path path, int maxLineBytes) {
        this.path = path;
        this.maxLineBytes = maxLineBytes;
    }

    /** Reads what is available now and passes each complete line to {@code sink}. */
    public void drain(Sink sink) throws IOException {
        if (fd < 0) {
            try {
                fd =
                        LibC.open(
                                path.toString(),
                                LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC,
                                0);
            } catch (LastErrorException e) {
                throw new IOException("cannot open " + path + ": errno " + e.getErrorCode());
            }
            offset = 0;
        }
        byte[] chunk = CHUNK.get();
        int total = 0;
        while (total < MAX_BYTES_PER_DRAIN) {
            long n;
            try {
                n = LibC.read(fd, chunk, chunk.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EAGAIN) {
                    return;
                }
                throw new IOException("cannot read " + path + ": errno " + e.getErrorCode());
            }
            if (n <= 0) {
                if (!restartIfCut()) {
                    return;
                }
                continue;
            }
            if (offset >= 0) {
                offset += n;
            }
            total += (int) n;
            split(chunk, (int) n, sink);
        }
    }

    /**
     * At end of file: true when the file is now shorter than what was read from it, after seeking
     * back to its start (or when it grew since the read that saw its end).
     */
    private boolean restartIfCut() throws IOException {
        if (offset < 0) {
            return false;
        }
        long size;
        try {
            size = LibC.lseek(fd, 0, LibC.SEEK_END);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.ESPIPE) {
                offset = -1;
                return false;
            }
            throw new IOException("cannot seek in " + path + ": errno " + e.getErrorCode());
        }
        if (size == offset) {
            return false;
        }
        boolean cut = size < offset;
        if (cut) {
            LOG.info(
                    () ->
                            "metrics "
                                    + path
                                    + " was cut from "
                                    + offset
                                    + " to "
                                    + size
                                    + " bytes; reading it from its start");
            offset = 0;
            pendingLength = 0;
            discarding = false;
        }
        try {
            LibC.lseek(fd, offset, LibC.SEEK_SET);
        } catch (LastErrorException e) {
            throw new IOException("cannot seek in " + path + ": errno " + e.getErrorCode());
        }
        return true;
    }

    private void split(byte[] chunk, int n, Sink sink) {
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (chunk[i] != '\n') {
                continue;
            }
            if (!discarding) {
                if (pendingLength == 0 && i - start <= maxLineBytes) {
                    sink.line(chunk, start, i - start);
                } else if (pendingLength == 0) {
                    sink.overlong();
                } else if (append(chunk, start, i, sink)) {
                    sink.line(pending, 0, pendingLength);
                }
            }
            discarding = false;
            pendingLength = 0;
            start = i + 1;
        }
        if (!discarding && start < n) {
            append(chunk, start, n, sink);
        }
    }

    /**
     * Appends {@code chunk[from, to)} to the partial line; false if that made it overlong (then
     * dropped).
     */
    private boolean append(byte[] chunk, int from, int to, Sink sink) {
        int length = to - from;
        if (pendingLength + length > maxLineBytes) {
            pendingLength = 0;
            discarding = true;
            sink.overlong();
            return false;
        }
        if (pending.length < pendingLength + length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
        }
        System.arraycopy(chunk, from, pending, pendingLength, length);
        pendingLength += length;
        return true;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                LibC.close(fd);
            } catch (LastErrorException ignored) {
                // A failed close of a read-only fd loses nothing.
            }
            fd = -1;
        }
    }
}
