package io.vmpulse.agent.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An AF_VSOCK {@link Connection} on a raw file descriptor through {@link VsockLibc}.
 *
 * <p>The peer address, {@code struct sockaddr_vm} from {@code <linux/vm_sockets.h>}, all fields in
 * host byte order:
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
 * <p>Closing: on Linux, {@code close(2)} does not wake a thread blocked in {@code read(2)} on the
 * same descriptor, and a closed number may be reused at once by another open. So {@link #close()}
 * first calls {@code shutdown(SHUT_RDWR)}, which makes a blocked read return 0, and the descriptor
 * itself is closed only when no read or write is using it any more: {@link #state} counts the calls
 * in flight, and its top bit says "closing".
 */
final class VsockConnection implements Connection {

    static final int SVM_FAMILY_OFFSET = 0;
    static final int SVM_RESERVED1_OFFSET = SVM_FAMILY_OFFSET + Short.BYTES;
    static final int SVM_PORT_OFFSET = SVM_RESERVED1_OFFSET + Short.BYTES;
    static final int SVM_CID_OFFSET = SVM_PORT_OFFSET + Integer.BYTES;
    static final int SVM_ZERO_OFFSET = SVM_CID_OFFSET + Integer.BYTES;
    static final int SOCKADDR_VM_LENGTH = SVM_ZERO_OFFSET + 4;

    /** Larger than one HTTP/2 frame of {@link GrpcCall} (9 + 16384), so a frame is one write(2). */
    static final int WRITE_BUFFER_BYTES = 32 * 1024;
    static final int READ_BUFFER_BYTES = 16 * 1024;

    private static final int CLOSING = 1 << 30;

    private final int fd;
    private final CollectorAddress.Vsock address;
    private final Memory readBuffer = new Memory(READ_BUFFER_BYTES);
    private final Memory writeBuffer = new Memory(WRITE_BUFFER_BYTES);
    private final long readAddress = Pointer.nativeValue(readBuffer);
    private final long writeAddress = Pointer.nativeValue(writeBuffer);
    private final AtomicInteger state = new AtomicInteger();

    /** Takes over {@code fd}, a connected stream socket; tests hand it one end of a socketpair. */
    VsockConnection(int fd, CollectorAddress.Vsock address) {
        this.fd = fd;
        this.address = address;
    }

    /**
     * {@code connectTimeout} becomes the socket's {@code SO_VM_SOCKETS_CONNECT_TIMEOUT}, which the
     * kernel applies to a blocking connect (its default is 2 s).
     */
    static Connection open(CollectorAddress.Vsock address, Duration connectTimeout) throws IOException {
        int fd = newSocket(address);
        try (Memory scratch = new Memory(Math.max(SOCKADDR_VM_LENGTH, VsockLibc.TIMEVAL_LENGTH))) {
            long seconds = connectTimeout.getSeconds();
            scratch.setLong(0, seconds);
            scratch.setLong(Long.BYTES, connectTimeout.getNano() / 1000);
            try {
                VsockLibc.setsockopt(fd, VsockLibc.AF_VSOCK, VsockLibc.SO_VM_SOCKETS_CONNECT_TIMEOUT,
                        Pointer.nativeValue(scratch), VsockLibc.TIMEVAL_LENGTH);
            } catch (LastErrorException e) {
                VsockLibc.close(fd);
                throw new IOException("cannot set the connect timeout of a vsock socket for " + address + ": "
                        + VsockLibc.describe(e), e);
            }
            scratch.clear(SOCKADDR_VM_LENGTH);
            scratch.setShort(SVM_FAMILY_OFFSET, (short) VsockLibc.AF_VSOCK);
            scratch.setInt(SVM_PORT_OFFSET, (int) address.port());
            scratch.setInt(SVM_CID_OFFSET, (int) address.cid());
            try {
                VsockLibc.connect(fd, Pointer.nativeValue(scratch), SOCKADDR_VM_LENGTH);
            } catch (LastErrorException e) {
                VsockLibc.close(fd);
                throw new IOException("cannot connect to " + address + ": " + VsockLibc.describe(e), e);
            }
        }
        return new VsockConnection(fd, address);
    }

    /** Thrown as its own type so that a caller (or test) can tell "no AF_VSOCK in this kernel". */
    static final class VsockUnsupportedException extends IOException {
        private static final long serialVersionUID = 1L;

        VsockUnsupportedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static int newSocket(CollectorAddress.Vsock address) throws IOException {
        try {
            return VsockLibc.socket(VsockLibc.AF_VSOCK, VsockLibc.SOCK_STREAM | VsockLibc.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            String message = "cannot create a vsock socket for " + address + ": " + VsockLibc.describe(e);
            if (e.getErrorCode() == VsockLibc.EAFNOSUPPORT) {
                throw new VsockUnsupportedException(message, e);
            }
            throw new IOException(message, e);
        }
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
            while (true) {
                try {
                    n = VsockLibc.read(fd, readAddress, Math.min(len, READ_BUFFER_BYTES));
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == VsockLibc.EINTR) {
                        continue;
                    }
                    if ((state.get() & CLOSING) != 0) {
                        return -1;
                    }
                    throw new IOException("reading from " + address + " failed: " + VsockLibc.describe(e), e);
                }
            }
            if (n == 0) {
                return -1;
            }
            readBuffer.read(0, b, off, (int) n);
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
                writeBuffer.write(0, b, off, chunk);
                int written = 0;
                while (written < chunk) {
                    try {
                        written += (int) VsockLibc.write(fd, writeAddress + written, chunk - written);
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() != VsockLibc.EINTR) {
                            throw new IOException("writing to " + address + " failed: " + VsockLibc.describe(e), e);
                        }
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
    public void close() {
        int previous;
        do {
            previous = state.get();
            if ((previous & CLOSING) != 0) {
                return;
            }
        } while (!state.compareAndSet(previous, (previous | CLOSING) + 1));
        // Holding a use of our own keeps the descriptor open (and its number ours) across shutdown.
        try {
            VsockLibc.shutdown(fd, VsockLibc.SHUT_RDWR);
        } catch (LastErrorException ignored) {
            // ENOTCONN when the peer is already gone: the blocked reader has been woken either way.
        }
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
            VsockLibc.close(fd);
            readBuffer.close();
            writeBuffer.close();
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
