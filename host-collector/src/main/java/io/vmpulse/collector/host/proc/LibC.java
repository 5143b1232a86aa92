package io.vmpulse.collector.host.proc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** The few libc calls Java does not offer: a non-blocking open (for FIFOs), lseek on that fd, and sysconf. */
public final class LibC {

    public static final int O_RDONLY = 0;
    /** Same value on x86-64 and arm64. */
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int EAGAIN = 11;
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

    private LibC() {
    }

    public static native int open(String path, int flags) throws LastErrorException;

    public static native long read(int fd, byte[] buffer, long count) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    private static native long sysconf(int name);
}
