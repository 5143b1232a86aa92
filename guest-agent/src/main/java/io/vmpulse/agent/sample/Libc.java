package io.vmpulse.agent.sample;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the samplers make, bound by JNA direct mapping: a call passes primitives and raw
 * {@link Pointer} addresses straight through, so the steady-state read path allocates nothing.
 *
 * <p>Only LP64 Linux is supported (x86_64, aarch64): {@code long} stands for {@code size_t},
 * {@code ssize_t}, {@code off_t} and {@code unsigned long}. The class refuses to load elsewhere
 * rather than misread a struct.
 */
final class Libc {

    /** {@code AT_CLKTCK} from {@code <elf.h>}: the auxiliary vector entry holding USER_HZ. */
    static final long AT_CLKTCK = 17;
    static final int O_RDONLY = 0;
    /** {@code 02000000}: the same value on x86_64 and aarch64 (asm-generic). */
    static final int O_CLOEXEC = 0x80000;
    /** {@code CLOCK_REALTIME} from {@code <time.h>}. */
    static final int CLOCK_REALTIME = 0;
    /** {@code struct timespec}: {@code time_t tv_sec} then {@code long tv_nsec}. */
    static final int TIMESPEC_SEC_OFFSET = 0;
    static final int TIMESPEC_NSEC_OFFSET = TIMESPEC_SEC_OFFSET + Long.BYTES;
    static final int TIMESPEC_SIZE = TIMESPEC_NSEC_OFFSET + Long.BYTES;

    static {
        if (!Platform.isLinux() || Native.LONG_SIZE != 8) {
            throw new UnsupportedOperationException("vmpulse samplers need 64-bit Linux, not "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        // By soname, so that the library is found with an empty JNA search path (AgentMain).
        Native.register(Libc.class, "libc.so.6");
    }

    private Libc() {
    }

    static native int open(String path, int flags) throws LastErrorException;

    /** {@code buf} is a raw address, so that reading into the middle of a buffer needs no Pointer object. */
    static native long pread(int fd, long buf, long count, long offset) throws LastErrorException;

    static native int close(int fd);

    /** {@code fds} is the raw address of {@code nfds} {@code struct pollfd}s. */
    static native int poll(long fds, long nfds, int timeoutMillis) throws LastErrorException;

    /** Fills {@code buf}, laid out as {@link Statvfs} draws it. {@code path} is NUL-terminated. */
    static native int statvfs(Pointer path, Pointer buf) throws LastErrorException;

    static native long getauxval(long type);

    /** Fills the {@code struct timespec} at raw address {@code timespec}. */
    static native int clock_gettime(int clockId, long timespec) throws LastErrorException;
}
