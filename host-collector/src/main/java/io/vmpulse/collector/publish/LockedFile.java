package io.vmpulse.collector.publish;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import io.vmpulse.registry.read.RegistryReader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An open file descriptor holding an exclusive {@code flock(2)} lock.
 *
 * <p>Why flock and not {@link java.nio.channels.FileChannel#tryLock()}: the JDK takes POSIX
 * record locks ({@code fcntl}), which the kernel drops as soon as the process closes <em>any</em>
 * descriptor of the file. A reader opened and closed in the collector's own process (a CLI
 * command, a test) would silently release the writer's lock. An flock belongs to the open file
 * description, lives exactly as long as this descriptor, and is dropped by the kernel when the
 * process dies, which is how a stale file is told apart from a live one.
 */
final class LockedFile implements AutoCloseable {

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags, int mode) throws LastErrorException;

        int flock(int fd, int operation) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final int fd;
    private boolean closed;

    private LockedFile(int fd) {
        this.fd = fd;
    }

    /**
     * Opens (creating if needed, mode {@code mode}) and locks {@code path}.
     *
     * @return the locked file, or null when another open file description holds the lock
     */
    static LockedFile openAndTryLock(Path path, int mode) throws IOException {
        int fd;
        try {
            fd = LibC.INSTANCE.open(path.toString(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
        } catch (LastErrorException e) {
            throw new IOException("cannot open registry " + path + ": " + describe(e.getErrorCode()), e);
        }
        try {
            LibC.INSTANCE.flock(fd, LOCK_EX | LOCK_NB);
            return new LockedFile(fd);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            if (e.getErrorCode() == EWOULDBLOCK) {
                return null;
            }
            throw new IOException("cannot lock registry " + path + ": " + describe(e.getErrorCode()), e);
        }
    }

    /** The usual causes by name; the rest by number. */
    private static String describe(int errno) {
        return switch (errno) {
            case 2 -> "its directory does not exist";
            case 13 -> "permission denied";
            case 28 -> "no space left on the device";
            case 30 -> "read-only file system";
            default -> "errno " + errno;
        };
    }

    /** A path that names this descriptor's file even after it is renamed or unlinked. */
    Path procPath() {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** Inode of the open file. */
    long inode() throws IOException {
        return RegistryReader.inodeOf(procPath());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd); // drops the flock
        }
    }
}
