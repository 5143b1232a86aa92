package io.vmpulse.agent.sample;

import io.vmpulse.agent.sys.NativeLibrary;

/**
 * The system calls the samplers make, in the agent's JNI library ({@link NativeLibrary}): each
 * takes primitives and raw addresses of direct buffers, and returns what the call returns or minus
 * errno, so the steady-state read path allocates nothing and throws nothing.
 *
 * <p>Only LP64 Linux is supported (x86_64, aarch64): {@code long} stands for {@code size_t}, {@code
 * ssize_t}, {@code off_t} and {@code unsigned long}.
 */
final class Libc {

    /** {@code AT_CLKTCK} from {@code <elf.h>}: the auxiliary vector entry holding USER_HZ. */
    static final long AT_CLKTCK = 17;

    static final int O_RDONLY = 0;

    /** {@code 02000000}: the same value on x86_64 and aarch64 (asm-generic). */
    static final int O_CLOEXEC = 0x80000;

    static final int POLLPRI = 0x2;

    static {
        NativeLibrary.load();
    }

    private Libc() {}

    /** {@code path} is the address of a NUL-terminated path. */
    static native int open(long path, int flags);

    static native long pread(int fd, long buf, long count, long offset);

    /**
     * poll(2) of one descriptor for {@code events}, without waiting: its {@code revents}, or minus
     * errno.
     */
    static native int poll(int fd, int events);

    /**
     * Fills the struct at {@code buf}, laid out as {@link Statvfs} draws it; {@code path} is
     * NUL-terminated.
     */
    static native int statvfs(long path, long buf);

    static native long getauxval(long type);

    /** {@code CLOCK_REALTIME} in ns since the epoch, or minus errno. */
    static native long realtimeNanos();
}
