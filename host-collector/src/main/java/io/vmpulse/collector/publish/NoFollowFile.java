package io.vmpulse.collector.publish;

import com.sun.jna.LastErrorException;
import io.vmpulse.collector.sys.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A descriptor of a file the collector opened itself, never through a symbolic link ({@code
 * LibC.O_NOFOLLOW}), and checked to be a regular file of the collector's own user.
 *
 * <p>Why flock and not {@link java.nio.channels.FileChannel#tryLock()}: the JDK takes POSIX record
 * locks ({@code fcntl}), which the kernel drops as soon as the process closes <em>any</em>
 * descriptor of the file. An flock belongs to the open file description, lives exactly as long as
 * this descriptor, and is dropped by the kernel when the process dies, which is how a stale
 * registry is told apart from a live one.
 */
final class NoFollowFile implements AutoCloseable {

    private final int fd;
    private final Path path;
    private boolean closed;

    private NoFollowFile(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** The effective uid of this process: who must own the registry's directory and files. */
    static int euid() {
        return LibC.geteuid();
    }

    /**
     * Opens {@code path}, creating it with {@code mode} if missing; {@code what} names it in
     * errors.
     */
    static NoFollowFile openOrCreate(Path path, int mode, String what) throws IOException {
        return open(
                path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, mode, what);
    }

    /** Creates {@code path}, which must not exist yet (not even as a dangling symbolic link). */
    static NoFollowFile createNew(Path path, int mode, String what) throws IOException {
        return open(
                path,
                LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC,
                mode,
                what);
    }

    private static NoFollowFile open(Path path, int flags, int mode, String what)
            throws IOException {
        int fd;
        try {
            fd = LibC.open(path.toString(), flags, mode);
        } catch (LastErrorException e) {
            throw new IOException(
                    "cannot open " + what + " " + path + ": " + describe(e.getErrorCode()), e);
        }
        NoFollowFile f = new NoFollowFile(fd, path);
        try {
            FileOwner.requireOwnRegularFile(f.procPath(), path, what);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /**
     * Takes an exclusive flock without waiting; false when another open file description holds it.
     */
    boolean tryLock() throws IOException {
        try {
            LibC.flock(fd, LibC.LOCK_EX | LibC.LOCK_NB);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EWOULDBLOCK) {
                return false;
            }
            throw new IOException("cannot lock " + path + ": " + describe(e.getErrorCode()), e);
        }
    }

    /** The usual causes by name; the rest by number. */
    private static String describe(int errno) {
        return switch (errno) {
            case 2 -> "its directory does not exist";
            case 13 -> "permission denied";
            case 17 -> "it already exists";
            case 21 -> "it is a directory";
            case 28 -> "no space left on the device";
            case 30 -> "read-only file system";
            case 40 -> "it is a symbolic link, which the collector never follows";
            default -> "errno " + errno;
        };
    }

    /** A path that names this descriptor's file even after it is renamed or unlinked. */
    Path procPath() {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** Inode of the open file. */
    long inode() throws IOException {
        return ((Number) Files.getAttribute(procPath(), "unix:ino")).longValue();
    }

    /** Device of the open file, as st_dev. */
    long device() throws IOException {
        return ((Number) Files.getAttribute(procPath(), "unix:dev")).longValue();
    }

    /**
     * Size of the open file now (fstat through the descriptor, so a renamed or deleted file still
     * answers).
     */
    long size() throws IOException {
        return Files.size(procPath());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd); // drops the flock, if any
        }
    }
}
