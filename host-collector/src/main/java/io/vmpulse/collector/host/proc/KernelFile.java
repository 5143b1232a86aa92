package io.vmpulse.collector.host.proc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code /proc}, {@code /sys} or cgroup file kept open and read again with {@code pread} at
 * offset 0, which makes the kernel regenerate it: one syscall per read, no open or close.
 *
 * <p>Keeping {@code /proc/PID/...} open also pins the process: once it has exited, the read fails
 * with {@code ESRCH} instead of silently reading a new process that reused the pid.
 *
 * <p>After {@link #read()}, the content is parsed in place with a cursor: {@link #seek}, {@link
 * #skipPast}, {@link #find} and {@link #nextLong}. Not thread-safe.
 */
public final class KernelFile implements AutoCloseable {

    private final Path path;
    private FileChannel channel;
    private ByteBuffer buffer;
    private int length;
    private int cursor;

    public KernelFile(Path path, int initialCapacity) {
        this.path = path;
        this.buffer = ByteBuffer.allocateDirect(initialCapacity);
    }

    public Path path() {
        return path;
    }

    /**
     * Reads the whole file again, opening it on first use; returns its length.
     *
     * <p>One {@code pread}: the files read this way are made by a single {@code show()} in the
     * kernel (single-record seq_files, sysfs attributes), which hands all of its text to a read
     * that has room for it. So a read that leaves the buffer room to spare got everything; a full
     * buffer is grown and the file read again.
     */
    public int read() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, 0);
            if (buffer.hasRemaining()) {
                length = Math.max(n, 0);
                cursor = 0;
                return length;
            }
            buffer = ByteBuffer.allocateDirect(buffer.capacity() * 2);
        }
    }

    public int length() {
        return length;
    }

    public byte byteAt(int index) {
        return buffer.get(index);
    }

    public int position() {
        return cursor;
    }

    public KernelFile seek(int position) {
        cursor = position;
        return this;
    }

    /** Moves the cursor just after the last occurrence of {@code b}; false if there is none. */
    public boolean skipPastLast(byte b) {
        for (int i = length - 1; i >= 0; i--) {
            if (buffer.get(i) == b) {
                cursor = i + 1;
                return true;
            }
        }
        return false;
    }

    /** Moves the cursor past {@code count} whitespace-separated fields. */
    public KernelFile skipFields(int count) {
        for (int f = 0; f < count; f++) {
            while (cursor < length && isSpace(buffer.get(cursor))) {
                cursor++;
            }
            while (cursor < length && !isSpace(buffer.get(cursor))) {
                cursor++;
            }
        }
        return this;
    }

    /**
     * Moves the cursor just after the next occurrence of {@code key} at the start of a line or
     * after a space; false (cursor unchanged) if there is none.
     */
    public boolean find(byte[] key) {
        outer:
        for (int i = cursor; i + key.length <= length; i++) {
            if (i > 0 && buffer.get(i - 1) != '\n' && buffer.get(i - 1) != ' ') {
                continue;
            }
            for (int k = 0; k < key.length; k++) {
                if (buffer.get(i + k) != key[k]) {
                    continue outer;
                }
            }
            cursor = i + key.length;
            return true;
        }
        return false;
    }

    /**
     * The number after {@code key} on the line that starts at the cursor ({@code key} at the line
     * start or after a space); the cursor does not move.
     *
     * @throws IOException naming the file if the line has no such key
     */
    public long valueOnLine(byte[] key) throws IOException {
        int start = cursor;
        int end = start;
        while (end < length && buffer.get(end) != '\n') {
            end++;
        }
        int saved = length;
        length = end;
        try {
            if (!find(key)) {
                throw new IOException(
                        "no "
                                + new String(key, StandardCharsets.US_ASCII)
                                + " at offset "
                                + start
                                + " of "
                                + path);
            }
            return nextLong();
        } finally {
            length = saved;
            cursor = start;
        }
    }

    /** Moves the cursor to the start of the next line; false at the end of the file. */
    public boolean nextLine() {
        while (cursor < length && buffer.get(cursor) != '\n') {
            cursor++;
        }
        if (cursor >= length) {
            return false;
        }
        cursor++;
        return cursor < length;
    }

    /** True if the cursor is at the end of the file. */
    public boolean atEnd() {
        return cursor >= length;
    }

    /**
     * Parses the next unsigned decimal number after the cursor (skipping anything that is not a
     * digit on the same line) and leaves the cursor after it.
     *
     * @throws IOException naming the file if no number follows on this line
     */
    public long nextLong() throws IOException {
        while (cursor < length && !isDigit(buffer.get(cursor))) {
            if (buffer.get(cursor) == '\n') {
                break;
            }
            cursor++;
        }
        if (cursor >= length || !isDigit(buffer.get(cursor))) {
            throw new IOException("no number at offset " + cursor + " of " + path);
        }
        long value = 0;
        while (cursor < length && isDigit(buffer.get(cursor))) {
            value = value * 10 + (buffer.get(cursor++) - '0');
        }
        return value;
    }

    /** Closes the file; the next {@link #read()} opens it again. */
    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing a /proc or /sys file cannot lose data.
            }
            channel = null;
        }
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\t';
    }
}
