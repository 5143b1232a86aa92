package io.vmpulse.agent.sample;

import io.vmpulse.agent.sys.NativeLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A file under {@code /proc} kept open for the life of the sampler and re-read with {@code pread}
 * from offset 0 into one reused native buffer. The kernel regenerates a seq_file whenever a read
 * starts at offset 0, so every {@link #read()} sees fresh content without re-opening, and without
 * allocating once the buffer has reached its working size.
 *
 * <p>A read loops until {@code pread} returns 0: a seq_file that iterates records (such as {@code
 * mountinfo}) hands out at most one page of records per call, so a short read is not the end. If
 * the content fills the buffer, the buffer doubles and the read starts again (up to {@link
 * #MAX_BYTES}).
 *
 * <p>{@link #changedSincePoll()} asks the kernel, without reading, whether a file that signals
 * changes by {@code POLLPRI} ({@code mounts}, {@code mountinfo}) has changed.
 */
final class ProcFile implements AutoCloseable {

    static final int MAX_BYTES = 16 << 20;

    private final String path;
    private final int fd;
    private ByteBuffer buffer;
    private long address;
    private ByteBuffer view;

    ProcFile(Path path, int initialBytes) {
        this.path = path.toString();
        byte[] name = this.path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer nulTerminated =
                ByteBuffer.allocateDirect(name.length + 1).put(name).put((byte) 0);
        int opened =
                Libc.open(NativeLibrary.address(nulTerminated), Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (opened < 0) {
            throw new UncheckedIOException(
                    new IOException("cannot open " + path + ": " + NativeLibrary.describe(opened)));
        }
        this.fd = opened;
        allocate(initialBytes);
    }

    /** Reads the whole file again; returns its length. The content is in {@link #content()}. */
    int read() {
        while (true) {
            long total = 0;
            long capacity = buffer.capacity();
            long n;
            do {
                n = pread(total, capacity - total);
                total += n;
            } while (n > 0 && total < capacity);
            if (total < capacity) {
                view.limit((int) total);
                return (int) total;
            }
            if (capacity >= MAX_BYTES) {
                throw new UncheckedIOException(
                        new IOException(path + " is larger than " + MAX_BYTES + " bytes"));
            }
            allocate((int) capacity * 2);
        }
    }

    /**
     * Whether the kernel flagged this file as changed ({@code POLLPRI}) since the previous call, or
     * since opening for the first call. Does not block.
     */
    boolean changedSincePoll() {
        int revents = Libc.poll(fd, Libc.POLLPRI);
        if (revents < 0) {
            throw new UncheckedIOException(
                    new IOException(
                            "cannot poll " + path + ": " + NativeLibrary.describe(revents)));
        }
        return (revents & Libc.POLLPRI) != 0;
    }

    /** The bytes of the last {@link #read()}: position 0, limit the length. Reused: do not keep. */
    ByteBuffer content() {
        return view;
    }

    String path() {
        return path;
    }

    int capacity() {
        return buffer.capacity();
    }

    private long pread(long offset, long count) {
        long n = Libc.pread(fd, address + offset, count, offset);
        if (n < 0) {
            throw new UncheckedIOException(
                    new IOException("cannot read " + path + ": " + NativeLibrary.describe(n)));
        }
        return n;
    }

    /**
     * A direct buffer, freed by the garbage collector once unreachable; {@link #view} reads the
     * same bytes.
     */
    private void allocate(int bytes) {
        buffer = ByteBuffer.allocateDirect(bytes);
        address = NativeLibrary.address(buffer);
        view = buffer.duplicate();
    }

    @Override
    public void close() {
        NativeLibrary.close(fd);
    }
}
