package io.vmpulse.collector.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The few libc calls Java does not offer, bound once for the whole collector (JNA direct mapping):
 * open with flags Java cannot ask for (O_NONBLOCK for FIFOs, O_NOFOLLOW and O_EXCL for the
 * registry), read and lseek on such a descriptor, flock, geteuid and sysconf.
 */
public final class LibC {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;

    /** Same value on x86-64 and arm64. */
    public static final int O_NONBLOCK = 0x800;

    public static final int O_CLOEXEC = 0x80000;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOFOLLOW = 0400000;
    public static final int EAGAIN = 11;

    /** flock's "held elsewhere", the same number as EAGAIN on Linux. */
    public static final int EWOULDBLOCK = 11;

    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;

    /** lseek on a FIFO. */
    public static final int ESPIPE = 29;

    public static final int SEEK_SET = 0;
    public static final int SEEK_END = 2;

    private static final int SC_CLK_TCK = 2;
    private static final int SC_PAGESIZE = 30;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    /** {@code sysconf(_SC_CLK_TCK)}: the unit of utime/stime in {@code /proc/PID/stat}. */
    public static final long CLK_TCK = sysconf(SC_CLK_TCK);

    public static final long PAGE_SIZE = sysconf(SC_PAGESIZE);

    private LibC() {}

    /** {@code open(2)}; {@code mode} matters only with {@link #O_CREAT}. */
    public static native int open(String path, int flags, int mode) throws LastErrorException;

    public static native long read(int fd, byte[] buffer, long count) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    public static native int flock(int fd, int operation) throws LastErrorException;

    public static native int geteuid();

    private static native long sysconf(int name);
}
