package io.vmpulse.agent.transport;

import io.vmpulse.agent.sys.NativeLibrary;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An AF_VSOCK, AF_UNIX or TCP {@link Connection} on a raw file descriptor through {@link
 * SocketLibc}. Unix sockets come here rather than to a {@code SocketChannel} because the JDK's
 * Unix-socket support initialises a {@code SecureRandom} (for auto-bound names) and a selector
 * provider: ~100 classes the agent on vsock never loads, so the footprint benchmark, which reports
 * over a Unix socket, measures what a VM runs. TCP comes here because {@link #writeNow} needs a
 * send that does not wait on a socket another thread reads with blocking reads, which a blocking
 * {@code SocketChannel} cannot do.
 *
 * <p>The vsock peer address, {@code struct sockaddr_vm} from {@code <linux/vm_sockets.h>}, all
 * fields in host byte order:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |   svm_family (u16) = 40       |   svm_reserved1 (u16) = 0     |  0
 *  +-------------------------------+-------------------------------+
 *  |                        svm_port (u32)                         |  4
 *  +---------------------------------------------------------------+
 *  |                        svm_cid (u32)                          |  8
 *  +---------------------------------------------------------------+
 *  |                     svm_zero[4] = 0                           | 12
 *  +---------------------------------------------------------------+  16
 * </pre>
 *
 * The Unix peer address, {@code struct sockaddr_un}: {@code sun_family} (u16) = 1, then {@code
 * sun_path}, the NUL-terminated path in at most {@link #SUN_PATH_LENGTH} bytes.
 *
 * <p>The TCP peer address, {@code struct sockaddr_in} (16 bytes) or {@code sockaddr_in6} (28
 * bytes); the family in host byte order, the port and address in network byte order:
 *
 * <pre>
 *   0               16              32                                              64
 *   +---------------+---------------+-----------------------------------------------+
 *   | family = 2    | port          | IPv4 address (4) | zero (8)                   |  sockaddr_in
 *   +---------------+---------------+-----------------------------------------------+
 *   | family = 10   | port          | flowinfo (u32) | IPv6 address (16) | scope id (u32) |  sockaddr_in6
 *   +---------------+---------------+-----------------------------------------------+
 * </pre>
 *
 * <p>Closing: on Linux, {@code close(2)} does not wake a thread blocked in {@code read(2)} on the
 * same descriptor, and a closed number may be reused at once by another open. So {@link #close()}
 * first calls {@code shutdown(SHUT_RDWR)}, which makes a blocked read return 0, and the descriptor
 * itself is closed only when no read or write is using it any more: {@link #state} counts the calls
 * in flight, and its top bit says "closing".
 */
final class NativeSocketConnection implements Connection {

    static final int SVM_FAMILY_OFFSET = 0;
    static final int SVM_RESERVED1_OFFSET = SVM_FAMILY_OFFSET + Short.BYTES;
    static final int SVM_PORT_OFFSET = SVM_RESERVED1_OFFSET + Short.BYTES;
    static final int SVM_CID_OFFSET = SVM_PORT_OFFSET + Integer.BYTES;
    static final int SVM_ZERO_OFFSET = SVM_CID_OFFSET + Integer.BYTES;
    static final int SOCKADDR_VM_LENGTH = SVM_ZERO_OFFSET + 4;
    static final int SUN_FAMILY_OFFSET = 0;
    static final int SUN_PATH_OFFSET = SUN_FAMILY_OFFSET + Short.BYTES;
    static final int SUN_PATH_LENGTH = 108;
    static final int SOCKADDR_UN_LENGTH = SUN_PATH_OFFSET + SUN_PATH_LENGTH;
    static final int SIN_FAMILY_OFFSET = 0;
    static final int SIN_PORT_OFFSET = SIN_FAMILY_OFFSET + Short.BYTES;
    static final int SIN_ADDR_OFFSET = SIN_PORT_OFFSET + Short.BYTES;
    static final int SOCKADDR_IN_LENGTH = SIN_ADDR_OFFSET + 4 + 8;
    static final int SIN6_FLOWINFO_OFFSET = SIN_PORT_OFFSET + Short.BYTES;
    static final int SIN6_ADDR_OFFSET = SIN6_FLOWINFO_OFFSET + Integer.BYTES;
    static final int SIN6_SCOPE_ID_OFFSET = SIN6_ADDR_OFFSET + 16;
    static final int SOCKADDR_IN6_LENGTH = SIN6_SCOPE_ID_OFFSET + Integer.BYTES;

    /** Larger than one HTTP/2 frame of {@link GrpcCall} (9 + 16384), so a frame is one write(2). */
    static final int WRITE_BUFFER_BYTES = 32 * 1024;

    static final int READ_BUFFER_BYTES = 16 * 1024;

    private static final int CLOSING = 1 << 30;

    private final int fd;
    private final CollectorAddress address;

    /** Direct buffers, freed by the garbage collector with this connection. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);

    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    private final long readAddress = NativeLibrary.address(readBuffer);
    private final long writeAddress = NativeLibrary.address(writeBuffer);
    private final AtomicInteger state = new AtomicInteger();

    /** Takes over {@code fd}, a connected stream socket; tests hand it one end of a socketpair. */
    NativeSocketConnection(int fd, CollectorAddress address) {
        this.fd = fd;
        this.address = address;
    }

    /**
     * {@code connectTimeout} becomes the socket's {@code SO_VM_SOCKETS_CONNECT_TIMEOUT}, which the
     * kernel applies to a blocking connect (its default is 2 s).
     */
    static Connection open(CollectorAddress.Vsock address, Duration connectTimeout)
            throws IOException {
        int fd = newSocket(address);
        ByteBuffer scratch =
                ByteBuffer.allocateDirect(Math.max(SOCKADDR_VM_LENGTH, SocketLibc.TIMEVAL_LENGTH))
                        .order(ByteOrder.nativeOrder());
        long scratchAddress = NativeLibrary.address(scratch);
        scratch.putLong(0, connectTimeout.getSeconds());
        scratch.putLong(Long.BYTES, connectTimeout.getNano() / 1000);
        int result =
                SocketLibc.setsockopt(
                        fd,
                        SocketLibc.AF_VSOCK,
                        SocketLibc.SO_VM_SOCKETS_CONNECT_TIMEOUT,
                        scratchAddress,
                        SocketLibc.TIMEVAL_LENGTH);
        if (result < 0) {
            NativeLibrary.close(fd);
            throw new IOException(
                    "cannot set the connect timeout of a vsock socket for "
                            + address
                            + ": "
                            + NativeLibrary.describe(result));
        }
        scratch.put(0, new byte[SOCKADDR_VM_LENGTH]);
        scratch.putShort(SVM_FAMILY_OFFSET, (short) SocketLibc.AF_VSOCK);
        scratch.putInt(SVM_PORT_OFFSET, (int) address.port());
        scratch.putInt(SVM_CID_OFFSET, (int) address.cid());
        result = SocketLibc.connect(fd, scratchAddress, SOCKADDR_VM_LENGTH);
        if (result < 0) {
            NativeLibrary.close(fd);
            throw new IOException(
                    "cannot connect to " + address + ": " + NativeLibrary.describe(result));
        }
        return new NativeSocketConnection(fd, address);
    }

    /**
     * A Unix connect never waits for a network: it completes or fails at once, and blocks only
     * while the listener's accept backlog is full, which nothing bounds; so it takes no timeout.
     */
    static Connection open(CollectorAddress.Unix address) throws IOException {
        byte[] path = address.path().toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_LENGTH) {
            throw new IOException(
                    "cannot connect to "
                            + address
                            + ": the path is longer than "
                            + (SUN_PATH_LENGTH - 1)
                            + " bytes");
        }
        int fd =
                SocketLibc.socket(
                        SocketLibc.AF_UNIX, SocketLibc.SOCK_STREAM | SocketLibc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(
                    "cannot create a Unix socket for "
                            + address
                            + ": "
                            + NativeLibrary.describe(fd));
        }
        ByteBuffer sockaddr =
                ByteBuffer.allocateDirect(SOCKADDR_UN_LENGTH).order(ByteOrder.nativeOrder());
        sockaddr.putShort(SUN_FAMILY_OFFSET, (short) SocketLibc.AF_UNIX);
        sockaddr.put(SUN_PATH_OFFSET, path);
        int result =
                SocketLibc.connect(
                        fd, NativeLibrary.address(sockaddr), SUN_PATH_OFFSET + path.length + 1);
        if (result < 0) {
            NativeLibrary.close(fd);
            throw new IOException(
                    "cannot connect to " + address + ": " + NativeLibrary.describe(result));
        }
        return new NativeSocketConnection(fd, address);
    }

    /**
     * TCP: the host is resolved by the JDK, the connect is bounded by {@code SO_SNDTIMEO} (Linux
     * applies the send timeout to a blocking connect, which then fails with EINPROGRESS), cleared
     * again once connected; {@code TCP_NODELAY} because samples are small and latency matters more
     * than packet count.
     */
    static Connection open(CollectorAddress.Tcp tcp, Duration connectTimeout) throws IOException {
        byte[] ip;
        int scopeId = 0;
        try {
            InetAddress resolved = InetAddress.getByName(tcp.host());
            ip = resolved.getAddress();
            if (resolved instanceof Inet6Address) {
                scopeId = ((Inet6Address) resolved).getScopeId();
            }
        } catch (UnknownHostException e) {
            throw new IOException("cannot connect to " + tcp + ": unknown host " + tcp.host(), e);
        }
        boolean v6 = ip.length == 16;
        int family = v6 ? SocketLibc.AF_INET6 : SocketLibc.AF_INET;
        int fd = SocketLibc.socket(family, SocketLibc.SOCK_STREAM | SocketLibc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(
                    "cannot create a socket for " + tcp + ": " + NativeLibrary.describe(fd));
        }
        ByteBuffer scratch =
                ByteBuffer.allocateDirect(SOCKADDR_IN6_LENGTH).order(ByteOrder.nativeOrder());
        long scratchAddress = NativeLibrary.address(scratch);
        try {
            setTimeval(fd, scratch, scratchAddress, connectTimeout, tcp);
            scratch.put(0, new byte[SOCKADDR_IN6_LENGTH]);
            scratch.putShort(SIN_FAMILY_OFFSET, (short) family);
            scratch.put(SIN_PORT_OFFSET, (byte) (tcp.port() >>> 8));
            scratch.put(SIN_PORT_OFFSET + 1, (byte) tcp.port());
            scratch.put(v6 ? SIN6_ADDR_OFFSET : SIN_ADDR_OFFSET, ip);
            if (v6) {
                scratch.putInt(SIN6_SCOPE_ID_OFFSET, scopeId);
            }
            int result =
                    SocketLibc.connect(
                            fd, scratchAddress, v6 ? SOCKADDR_IN6_LENGTH : SOCKADDR_IN_LENGTH);
            if (result == -SocketLibc.EINPROGRESS) {
                throw new IOException(
                        "cannot connect to "
                                + tcp
                                + ": no answer within "
                                + connectTimeout.toMillis()
                                + " ms");
            }
            if (result < 0) {
                throw new IOException(
                        "cannot connect to " + tcp + ": " + NativeLibrary.describe(result));
            }
            setTimeval(fd, scratch, scratchAddress, Duration.ZERO, tcp);
            scratch.putInt(0, 1);
            result =
                    SocketLibc.setsockopt(
                            fd,
                            SocketLibc.IPPROTO_TCP,
                            SocketLibc.TCP_NODELAY,
                            scratchAddress,
                            Integer.BYTES);
            if (result < 0) {
                throw new IOException(
                        "cannot set TCP_NODELAY for "
                                + tcp
                                + ": "
                                + NativeLibrary.describe(result));
            }
        } catch (IOException e) {
            NativeLibrary.close(fd);
            throw e;
        }
        return new NativeSocketConnection(fd, tcp);
    }

    private static void setTimeval(
            int fd, ByteBuffer scratch, long scratchAddress, Duration timeout, CollectorAddress to)
            throws IOException {
        scratch.putLong(0, timeout.getSeconds());
        scratch.putLong(Long.BYTES, timeout.getNano() / 1000);
        int result =
                SocketLibc.setsockopt(
                        fd,
                        SocketLibc.SOL_SOCKET,
                        SocketLibc.SO_SNDTIMEO,
                        scratchAddress,
                        SocketLibc.TIMEVAL_LENGTH);
        if (result < 0) {
            throw new IOException(
                    "cannot set the send timeout of the socket for "
                            + to
                            + ": "
                            + NativeLibrary.describe(result));
        }
    }

    /** Thrown as its own type so that a caller (or test) can tell "no AF_VSOCK in this kernel". */
    static final class VsockUnsupportedException extends IOException {
        private static final long serialVersionUID = 1L;

        VsockUnsupportedException(String message) {
            super(message);
        }
    }

    private static int newSocket(CollectorAddress.Vsock address) throws IOException {
        int fd =
                SocketLibc.socket(
                        SocketLibc.AF_VSOCK, SocketLibc.SOCK_STREAM | SocketLibc.SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            return fd;
        }
        String message =
                "cannot create a vsock socket for " + address + ": " + NativeLibrary.describe(fd);
        if (-fd == SocketLibc.EAFNOSUPPORT) {
            throw new VsockUnsupportedException(message);
        }
        throw new IOException(message);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!acquire()) {
            return -1;
        }
        try {
            long n;
            do {
                n = SocketLibc.read(fd, readAddress, Math.min(len, READ_BUFFER_BYTES));
            } while (n == -SocketLibc.EINTR);
            if (n < 0) {
                if ((state.get() & CLOSING) != 0) {
                    return -1;
                }
                throw new IOException(
                        "reading from " + address + " failed: " + NativeLibrary.describe(n));
            }
            if (n == 0) {
                return -1;
            }
            readBuffer.get(0, b, off, (int) n);
            return (int) n;
        } finally {
            release();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!acquire()) {
            throw new IOException("connection to " + address + " is closed");
        }
        try {
            while (len > 0) {
                int chunk = Math.min(len, WRITE_BUFFER_BYTES);
                writeBuffer.put(0, b, off, chunk);
                int written = 0;
                while (written < chunk) {
                    long n = SocketLibc.write(fd, writeAddress + written, chunk - written);
                    if (n >= 0) {
                        written += (int) n;
                    } else if (n != -SocketLibc.EINTR) {
                        throw new IOException(
                                "writing to " + address + " failed: " + NativeLibrary.describe(n));
                    }
                }
                off += chunk;
                len -= chunk;
            }
        } finally {
            release();
        }
    }

    @Override
    public int writeNow(byte[] b, int off, int len) throws IOException {
        if (!acquire()) {
            throw new IOException("connection to " + address + " is closed");
        }
        try {
            int chunk = Math.min(len, WRITE_BUFFER_BYTES);
            writeBuffer.put(0, b, off, chunk);
            long n;
            do {
                n = SocketLibc.sendNow(fd, writeAddress, chunk);
            } while (n == -SocketLibc.EINTR);
            if (n < 0) {
                throw new IOException(
                        "writing to " + address + " failed: " + NativeLibrary.describe(n));
            }
            return (int) n;
        } finally {
            release();
        }
    }

    @Override
    public void close() {
        int previous;
        do {
            previous = state.get();
            if ((previous & CLOSING) != 0) {
                return;
            }
        } while (!state.compareAndSet(previous, (previous | CLOSING) + 1));
        // Holding a use of our own keeps the descriptor open (and its number ours) across shutdown.
        // Fails with ENOTCONN when the peer is already gone: the blocked reader has been woken
        // either way.
        SocketLibc.shutdown(fd, SocketLibc.SHUT_RDWR);
        release();
    }

    private boolean acquire() {
        int current;
        do {
            current = state.get();
            if ((current & CLOSING) != 0) {
                return false;
            }
        } while (!state.compareAndSet(current, current + 1));
        return true;
    }

    private void release() {
        if (state.decrementAndGet() == CLOSING) {
            NativeLibrary.close(fd);
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
