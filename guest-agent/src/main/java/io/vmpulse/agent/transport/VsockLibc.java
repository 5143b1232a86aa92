package io.vmpulse.agent.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The libc calls an AF_VSOCK {@link Connection} makes, bound by JNA direct mapping: primitives and
 * raw native addresses go straight through, so a read or write allocates nothing.
 *
 * <p>Only LP64 Linux (x86_64, aarch64): {@code long} stands for {@code size_t} and {@code ssize_t}.
 */
final class VsockLibc {

    static final int AF_VSOCK = 40;
    static final int SOCK_STREAM = 1;
    /** {@code 02000000}: the same value on x86_64 and aarch64 (asm-generic). */
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SHUT_RDWR = 2;
    /**
     * {@code SO_VM_SOCKETS_CONNECT_TIMEOUT} at level {@code AF_VSOCK}: on LP64 the header picks the
     * "old" option number, whose value is a 16-byte {@code struct timeval}.
     */
    static final int SO_VM_SOCKETS_CONNECT_TIMEOUT = 6;
    static final int TIMEVAL_LENGTH = 16;

    static final int EINTR = 4;
    static final int EAFNOSUPPORT = 97;

    static {
        if (!Platform.isLinux() || Native.LONG_SIZE != 8) {
            throw new UnsupportedOperationException("vsock transport needs 64-bit Linux, not "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        // By soname, so that the library is found with an empty JNA search path (AgentMain).
        Native.register(VsockLibc.class, "libc.so.6");
    }

    private VsockLibc() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    /** {@code addr} is the raw address of a {@code struct sockaddr_vm} ({@link VsockConnection}). */
    static native int connect(int fd, long addr, int addrLen) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, long value, int valueLen) throws LastErrorException;

    static native long read(int fd, long buf, long count) throws LastErrorException;

    static native long write(int fd, long buf, long count) throws LastErrorException;

    static native int shutdown(int fd, int how) throws LastErrorException;

    static native int close(int fd);

    static native String strerror(int errnum);

    /** "Connection refused (errno 111)": what an error message about a failed call should carry. */
    static String describe(LastErrorException e) {
        return strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }
}
