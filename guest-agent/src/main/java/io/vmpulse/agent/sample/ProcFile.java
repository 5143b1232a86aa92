package io.vmpulse.agent.sample;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A file under {@code /proc} kept open for the life of the sampler and re-read with
 * {@code pread} from offset 0 into one reused native buffer. The kernel regenerates a seq_file
 * whenever a read starts at offset 0, so every {@link #read()} sees fresh content without
 * re-opening, and without allocating once the buffer has reached its working size.
 *
 * <p>A read loops until {@code pread} returns 0: a seq_file that iterates records (such as
 * {@code mountinfo}) hands out at most one page of records per call, so a short read is not the
 * end. If the content fills the buffer, the buffer doubles and the read starts again (up to
 * {@link #MAX_BYTES}).
 *
 * <p>{@link #changedSincePoll()} asks the kernel, without reading, whether a file that signals
 * changes by {@code POLLPRI} ({@code mounts}, {@code mountinfo}) has changed. Its
 * {@code struct pollfd} lives in native memory next to nothing else:
 * <pre>
 *   0      4        6         8
 *   +------+--------+---------+
 *   | fd   | events | revents |
 *   +------+--------+---------+
 * </pre>
 */
final class ProcFile implements AutoCloseable {

    static final int MAX_BYTES = 16 << 20;
    static final int POLLFD_FD_OFFSET = 0;
    static final int POLLFD_EVENTS_OFFSET = POLLFD_FD_OFFSET + Integer.BYTES;
    static final int POLLFD_REVENTS_OFFSET = POLLFD_EVENTS_OFFSET + Short.BYTES;
    static final int POLLFD_SIZE = POLLFD_REVENTS_OFFSET + Short.BYTES;
    static final short POLLPRI = 0x2;

    private final String path;
    private final int fd;
    private final Memory pollfd = new Memory(POLLFD_SIZE);
    private final ByteBuffer pollfdFields = pollfd.getByteBuffer(0, POLLFD_SIZE).order(ByteOrder.nativeOrder());
    private Memory buffer;
    private long address;
    private ByteBuffer view;

    ProcFile(Path path, int initialBytes) {
        this.path = path.toString();
        try {
            this.fd = Libc.open(this.path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new UncheckedIOException(new IOException("cannot open " + path + ": " + e.getMessage(), e));
        }
        allocate(initialBytes);
        pollfdFields.putInt(POLLFD_FD_OFFSET, fd);
        pollfdFields.putShort(POLLFD_EVENTS_OFFSET, POLLPRI);
    }

    /** Reads the whole file again; returns its length. The content is in {@link #content()}. */
    int read() {
        while (true) {
            long total = 0;
            long capacity = buffer.size();
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
                throw new UncheckedIOException(new IOException(path + " is larger than " + MAX_BYTES + " bytes"));
            }
            allocate((int) capacity * 2);
        }
    }

    /**
     * Whether the kernel flagged this file as changed ({@code POLLPRI}) since the previous call,
     * or since opening for the first call. Does not block.
     */
    boolean changedSincePoll() {
        pollfdFields.putShort(POLLFD_REVENTS_OFFSET, (short) 0);
        try {
            Libc.poll(Pointer.nativeValue(pollfd), 1, 0);
        } catch (LastErrorException e) {
            throw new UncheckedIOException(new IOException("cannot poll " + path + ": " + e.getMessage(), e));
        }
        return (pollfdFields.getShort(POLLFD_REVENTS_OFFSET) & POLLPRI) != 0;
    }

    /** The bytes of the last {@link #read()}: position 0, limit the length. Reused: do not keep. */
    ByteBuffer content() {
        return view;
    }

    String path() {
        return path;
    }

    int capacity() {
        return (int) buffer.size();
    }

    private long pread(long offset, long count) {
        try {
            return Libc.pread(fd, address + offset, count, offset);
        } catch (LastErrorException e) {
            throw new UncheckedIOException(new IOException("cannot read " + path + ": " + e.getMessage(), e));
        }
    }

    private void allocate(int bytes) {
        buffer = new Memory(bytes);
        address = Pointer.nativeValue(buffer);
        view = buffer.getByteBuffer(0, bytes);
    }

    @Override
    public void close() {
        Libc.close(fd);
        buffer.close();
        pollfd.close();
    }
}
