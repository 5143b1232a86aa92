package io.vmpulse.agent.transport;

import io.vmpulse.agent.sys.NativeLibrary;

/**
 * The system calls a {@link NativeSocketConnection} (AF_VSOCK or AF_UNIX) makes, in the agent's JNI
 * library ({@link NativeLibrary}): primitives and raw addresses of direct buffers go straight
 * through, so a read or write allocates nothing; each returns what the call returns, or minus
 * errno.
 *
 * <p>Only LP64 Linux (x86_64, aarch64): {@code long} stands for {@code size_t} and {@code ssize_t}.
 */
final class SocketLibc {

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
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

    static final int SOL_SOCKET = 1;

    /** The "old" option number, a 16-byte {@code struct timeval} on LP64 (asm-generic). */
    static final int SO_SNDTIMEO = 21;

    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;

    static final int EINTR = 4;
    static final int EAFNOSUPPORT = 97;
    static final int EINPROGRESS = 115;

    static {
        NativeLibrary.load();
    }

    private SocketLibc() {}

    static native int socket(int domain, int type, int protocol);

    /**
     * {@code addr} is the raw address of a {@code struct sockaddr_vm} or {@code sockaddr_un}
     * ({@link NativeSocketConnection}).
     */
    static native int connect(int fd, long addr, int addrLen);

    static native int setsockopt(int fd, int level, int name, long value, int valueLen);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    /**
     * {@code send(2)} with {@code MSG_DONTWAIT}: the bytes the socket buffer takes now, 0 when it
     * is full, never waiting.
     */
    static native long sendNow(int fd, long buf, long count);

    static native int shutdown(int fd, int how);
}
