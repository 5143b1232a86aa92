package io.vmpulse.agent.transport;

import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_STREAM;
import static io.vmpulse.agent.transport.Http2Frames.FRAME_HEADER_LENGTH;
import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_LENGTH_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_PREFIX_LENGTH;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One bidirectional-streaming gRPC call over its own HTTP/2 connection (cleartext, prior
 * knowledge), with blocking I/O and no per-message allocation: stream 1 is the only stream, and the
 * connection ends with the call. Frame layouts are drawn in {@link Http2Frames}.
 *
 * <p>Threading: one reader, either the daemon thread {@value #READER_THREAD_NAME} that {@link
 * #start} starts or the caller's own thread in {@link #readUntilEnd} (after {@link #open}), reads
 * every frame, answers SETTINGS and PING, returns flow-control credit to the server, and calls the
 * {@link Listener} (so listener calls are never concurrent); that half is {@link CallReader}. This
 * class keeps the send side and what both halves share: the send windows, the write lock and the
 * ending. {@link #sendMessage}, {@link #trySendMessage} and {@link #halfClose} are for one sender
 * thread at a time (not the reader thread). {@link #isOpen}, {@link #awaitClose}, {@link #cancel}
 * and {@link #close} may be called from any thread.
 *
 * <p>Flow control: the sender spends the server's connection and stream windows, and blocks in
 * {@link #sendMessage} while either is exhausted until a WINDOW_UPDATE or SETTINGS arrives or the
 * call ends; {@link #trySendMessage} instead returns false and sends nothing. The server gets a
 * {@value #RECEIVE_WINDOW}-byte window on both, which the reader tops up after consuming half of
 * it.
 */
public final class GrpcCall implements AutoCloseable {

    /** Callbacks, on the reader thread. */
    public interface Listener {
        /** One whole inbound message; {@code buf} is reused once this returns. */
        void onMessage(byte[] buf, int off, int len);

        /** Called exactly once, last, when the call has ended for whatever reason. */
        void onClose(GrpcStatus status);
    }

    public static final String READER_THREAD_NAME = "vmpulse-io";
    static final int RECEIVE_WINDOW = 1 << 20;
    static final int MAX_HEADER_LIST_SIZE = 8192;

    /**
     * HPACK-coded headers are rarely larger than decoded ones; twice the list bound is generous.
     */
    static final int MAX_HEADER_BLOCK = 2 * MAX_HEADER_LIST_SIZE;

    static final String USER_AGENT = "vmpulse-agent";

    /** How often a bounded {@link #halfClose} looks again at a full socket. */
    private static final long FLUSH_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Connection connection;
    private final CallReader reader;

    /** Set by {@link #start}; null when the caller reads ({@link #readUntilEnd}). */
    private Thread readerThread;

    /** Guards the send windows and the ending; the sender waits on it. */
    private final Object lock = new Object();

    private long connectionSendWindow = Http2Frames.DEFAULT_WINDOW;
    private long streamSendWindow = Http2Frames.DEFAULT_WINDOW;
    private int peerInitialWindow = Http2Frames.DEFAULT_WINDOW;
    private boolean halfClosed;
    private GrpcStatus ending;

    /** Serialises whole frames from the sender, the reader and {@link #cancel}. */
    private final ReentrantLock writeLock = new ReentrantLock();

    private final byte[] sendFrame =
            new byte[FRAME_HEADER_LENGTH + Http2Frames.DEFAULT_MAX_FRAME_SIZE];

    /**
     * Where {@link #trySendMessage} lays out a message's frames. What the socket did not take stays
     * here, {@link #pendingFrom} to {@link #pendingTo}, and is written before any other frame; no
     * message is laid out while any is pending, so this holds at most one message. Guarded by
     * {@link #writeLock}.
     */
    private byte[] staged = new byte[FRAME_HEADER_LENGTH + 1024];

    private int pendingFrom;
    private int pendingTo;

    /** {@code pendingTo - pendingFrom}, for {@link #hasPending} to read without the lock. */
    private volatile int pendingBytes;

    private GrpcCall(Connection connection, Listener listener, int maxInboundMessageBytes) {
        this.connection = connection;
        this.reader = new CallReader(this, connection, listener, maxInboundMessageBytes);
    }

    /**
     * Opens the call on {@code connection}, which it then owns, and starts its reader thread,
     * {@value #READER_THREAD_NAME}. If this throws, the connection has been closed and the listener
     * is never called.
     *
     * @param authority {@code :authority}, e.g. "localhost"
     * @param path {@code :path}, "/package.Service/Method"
     */
    public static GrpcCall start(
            Connection connection,
            String authority,
            String path,
            Listener listener,
            int maxInboundMessageBytes)
            throws IOException {
        GrpcCall call = open(connection, authority, path, listener, maxInboundMessageBytes);
        Thread thread = new Thread(call.reader, READER_THREAD_NAME);
        thread.setDaemon(true);
        call.readerThread = thread;
        thread.start();
        return call;
    }

    /**
     * Opens the call like {@link #start} but starts no thread: the caller then runs {@link
     * #readUntilEnd} on a thread of its own.
     */
    public static GrpcCall open(
            Connection connection,
            String authority,
            String path,
            Listener listener,
            int maxInboundMessageBytes)
            throws IOException {
        if (maxInboundMessageBytes < 0) {
            connection.close();
            throw new IllegalArgumentException(
                    "maxInboundMessageBytes is negative: " + maxInboundMessageBytes);
        }
        GrpcCall call = new GrpcCall(connection, listener, maxInboundMessageBytes);
        try {
            byte[] start =
                    Http2Frames.clientStart(
                            authority, path, USER_AGENT, RECEIVE_WINDOW, MAX_HEADER_LIST_SIZE);
            connection.write(start, 0, start.length);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return call;
    }

    /**
     * For a call made by {@link #open}: reads on the calling thread until the call ends, calling
     * the listener, {@code onClose} last; then returns.
     */
    public void readUntilEnd() {
        reader.run();
    }

    /**
     * Sends one message, split into DATA frames as flow control and the frame size allow; a message
     * that fits one frame and the windows goes out in a single write. Blocks while the server's
     * windows are exhausted; throws if the call has ended (the message says how) or is half-closed.
     */
    public void sendMessage(byte[] msg, int off, int len) throws IOException {
        if (off < 0 || len < 0 || off > msg.length - len) {
            throw new IndexOutOfBoundsException(
                    "message range " + off + "+" + len + " of " + msg.length);
        }
        byte[] frame = sendFrame;
        int total = MESSAGE_PREFIX_LENGTH + len;
        int sent = 0;
        while (sent < total) {
            int chunk =
                    reserveSendWindow(Math.min(total - sent, Http2Frames.DEFAULT_MAX_FRAME_SIZE));
            Http2Frames.putFrameHeader(frame, 0, chunk, Http2Frames.TYPE_DATA, 0, STREAM_ID);
            int at = FRAME_HEADER_LENGTH;
            int end = FRAME_HEADER_LENGTH + chunk;
            while (sent < MESSAGE_PREFIX_LENGTH && at < end) {
                // Byte 0 is the compressed flag (never set); bytes 1..4 the big-endian length.
                frame[at++] =
                        sent < MESSAGE_LENGTH_OFFSET
                                ? 0
                                : (byte) (len >>> (8 * (MESSAGE_PREFIX_LENGTH - 1 - sent)));
                sent++;
            }
            // A window smaller than the prefix leaves no room for payload in this frame.
            int payload = end - at;
            if (payload > 0) {
                System.arraycopy(msg, off + sent - MESSAGE_PREFIX_LENGTH, frame, at, payload);
                sent += payload;
            }
            writeFrame(frame, end);
        }
    }

    /**
     * Tells the server we will send no more messages; the call stays open for its responses. Waits
     * at most {@code timeout} for the write lock and for room in the socket (it is what a shutdown
     * does, and a collector that stopped reading must not hold that up): false when the half-close
     * did not go out whole in that time, and the call is then only good for {@link #cancel}.
     */
    public boolean halfClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            checkSendable();
        }
        try {
            if (!writeLock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            synchronized (lock) {
                checkSendable();
                halfClosed = true;
            }
            if (!flushPendingBy(deadline)) {
                return false;
            }
            Http2Frames.putFrameHeader(
                    staged, 0, 0, Http2Frames.TYPE_DATA, FLAG_END_STREAM, STREAM_ID);
            pendingFrom = 0;
            pendingTo = FRAME_HEADER_LENGTH;
            pendingBytes = FRAME_HEADER_LENGTH;
            return flushPendingBy(deadline);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Sends one message only if that needs no waiting: the server's windows hold all of it and no
     * other thread is writing. What the socket does not take at once is kept and written before the
     * next frame (by the next try, or by any blocking write). Returns false, sending nothing, when
     * it would have to wait, also while an earlier message is still partly unsent; throws if the
     * call has ended or is half-closed.
     */
    public boolean trySendMessage(byte[] msg, int off, int len) throws IOException {
        if (off < 0 || len < 0 || off > msg.length - len) {
            throw new IndexOutOfBoundsException(
                    "message range " + off + "+" + len + " of " + msg.length);
        }
        if (!writeLock.tryLock()) {
            return false;
        }
        try {
            if (!flushPendingNow()) {
                return false;
            }
            int total = MESSAGE_PREFIX_LENGTH + len;
            synchronized (lock) {
                checkSendable();
                if (Math.min(connectionSendWindow, streamSendWindow) < total) {
                    return false;
                }
                connectionSendWindow -= total;
                streamSendWindow -= total;
            }
            int frames =
                    (total + Http2Frames.DEFAULT_MAX_FRAME_SIZE - 1)
                            / Http2Frames.DEFAULT_MAX_FRAME_SIZE;
            int length = frames * FRAME_HEADER_LENGTH + total;
            if (staged.length < length) {
                staged = new byte[Math.max(length, staged.length * 2)];
            }
            byte[] out = staged;
            int at = 0;
            int sent = 0;
            while (sent < total) {
                int chunk = Math.min(total - sent, Http2Frames.DEFAULT_MAX_FRAME_SIZE);
                Http2Frames.putFrameHeader(out, at, chunk, Http2Frames.TYPE_DATA, 0, STREAM_ID);
                at += FRAME_HEADER_LENGTH;
                if (sent == 0) {
                    // Byte 0 is the compressed flag (never set); bytes 1..4 the big-endian length.
                    out[at] = 0;
                    Http2Frames.putInt(out, at + MESSAGE_LENGTH_OFFSET, len);
                    System.arraycopy(
                            msg,
                            off,
                            out,
                            at + MESSAGE_PREFIX_LENGTH,
                            chunk - MESSAGE_PREFIX_LENGTH);
                } else {
                    System.arraycopy(msg, off + sent - MESSAGE_PREFIX_LENGTH, out, at, chunk);
                }
                at += chunk;
                sent += chunk;
            }
            pendingFrom = 0;
            pendingTo = length;
            pendingBytes = length;
            flushPendingNow();
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes what the socket takes now of a message {@link #trySendMessage} left partly unsent,
     * without waiting; true when nothing is left pending. The last message before a pause would
     * otherwise wait for the next one to push its tail out.
     */
    public boolean tryFlush() throws IOException {
        if (!writeLock.tryLock()) {
            return false;
        }
        try {
            return flushPendingNow();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Whether bytes of a {@link #trySendMessage} are still waiting for room in the socket; {@link
     * #tryFlush}, a later try or a blocking write sends them.
     */
    public boolean hasPending() {
        return pendingBytes > 0;
    }

    /** False once the call has ended (or is ending) for any reason. */
    public boolean isOpen() {
        synchronized (lock) {
            return ending == null;
        }
    }

    /** Waits up to {@code timeout} for the call to end; true if it has. */
    public boolean awaitClose(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (lock) {
            while (ending == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /**
     * Ends the call as CANCELLED unless it has already ended: sends RST_STREAM(CANCEL) if no write
     * is in progress, and closes the connection, which wakes the reader thread. Does not wait for
     * it.
     */
    public void cancel() {
        if (!end(new GrpcStatus(GrpcStatus.CANCELLED, "cancelled by the client"))) {
            return;
        }
        // A sender stuck in a write holds the lock, and a frame may be half-written: closing the
        // connection matters more than the RST, which goes only where it cannot corrupt a frame,
        // and without waiting.
        if (writeLock.tryLock()) {
            try {
                if (pendingTo == pendingFrom) {
                    byte[] rst =
                            new byte[FRAME_HEADER_LENGTH + Http2Frames.RST_STREAM_PAYLOAD_LENGTH];
                    Http2Frames.putFrameHeader(
                            rst,
                            0,
                            Http2Frames.RST_STREAM_PAYLOAD_LENGTH,
                            Http2Frames.TYPE_RST_STREAM,
                            0,
                            STREAM_ID);
                    Http2Frames.putInt(rst, FRAME_HEADER_LENGTH, Http2Exception.CANCEL);
                    connection.writeNow(rst, 0, rst.length);
                }
            } catch (IOException ignored) {
                // Best effort: the connection is being closed anyway.
            } finally {
                writeLock.unlock();
            }
        }
        connection.close();
    }

    /**
     * {@link #cancel()}, then waits for the reader thread of {@link #start} to finish (and so for
     * {@code onClose} to have returned), unless called on the reader thread itself. A call made by
     * {@link #open} is only cancelled: its reader returns from {@link #readUntilEnd} soon after.
     */
    @Override
    public void close() {
        cancel();
        Thread reader = readerThread;
        if (reader != null && Thread.currentThread() != reader) {
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private int reserveSendWindow(int wanted) throws IOException {
        synchronized (lock) {
            while (true) {
                checkSendable();
                long available = Math.min(connectionSendWindow, streamSendWindow);
                if (available > 0) {
                    int granted = (int) Math.min(wanted, available);
                    connectionSendWindow -= granted;
                    streamSendWindow -= granted;
                    return granted;
                }
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(
                            "interrupted while waiting for flow-control credit from " + connection);
                }
            }
        }
    }

    private void checkSendable() throws IOException {
        if (ending != null) {
            throw new IOException("call to " + connection + " has ended: " + ending);
        }
        if (halfClosed) {
            throw new IllegalStateException(
                    "call to " + connection + " is half-closed; nothing more can be sent");
        }
    }

    private void writeFrame(byte[] frame, int length) throws IOException {
        writeLock.lock();
        try {
            flushPending();
            connection.write(frame, 0, length);
        } catch (IOException e) {
            end(new GrpcStatus(GrpcStatus.UNAVAILABLE, e.getMessage()));
            connection.close();
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes what a {@link #trySendMessage} left, waiting as long as that takes; holds the write
     * lock.
     */
    private void flushPending() throws IOException {
        if (pendingTo > pendingFrom) {
            int from = pendingFrom;
            pendingFrom = pendingTo;
            pendingBytes = 0;
            connection.write(staged, from, pendingTo - from);
        }
    }

    /**
     * Writes the pending bytes as the socket takes them, looking again every {@link
     * #FLUSH_POLL_NANOS} until {@code deadline}; true when none are left.
     */
    private boolean flushPendingBy(long deadline) throws IOException {
        while (!flushPendingNow()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(this, Math.min(left, FLUSH_POLL_NANOS));
        }
        return true;
    }

    /** Writes what the socket takes of the pending bytes now; true when none are left. */
    private boolean flushPendingNow() throws IOException {
        try {
            while (pendingTo > pendingFrom) {
                int n = connection.writeNow(staged, pendingFrom, pendingTo - pendingFrom);
                if (n == 0) {
                    return false;
                }
                pendingFrom += n;
                pendingBytes = pendingTo - pendingFrom;
            }
            return true;
        } catch (IOException e) {
            end(new GrpcStatus(GrpcStatus.UNAVAILABLE, e.getMessage()));
            connection.close();
            throw e;
        }
    }

    /** Records how the call ended, if nothing has yet; true if this was the first ending. */
    private boolean end(GrpcStatus status) {
        synchronized (lock) {
            if (ending != null) {
                return false;
            }
            ending = status;
            lock.notifyAll();
            return true;
        }
    }

    /**
     * Ends the call with {@code result} unless something ended it first (a {@link #cancel}, a
     * failed send), closes the connection, and returns the status that won, which is what onClose
     * gets.
     */
    GrpcStatus finish(GrpcStatus result) {
        end(result);
        connection.close();
        synchronized (lock) {
            return ending;
        }
    }

    /** Section 6.9.2: a new initial window shifts every stream window by the difference. */
    void applyInitialWindow(long value) throws Http2Exception {
        if (value > Http2Frames.MAX_WINDOW) {
            throw new Http2Exception(
                    Http2Exception.FLOW_CONTROL_ERROR,
                    "SETTINGS_INITIAL_WINDOW_SIZE " + value + " exceeds 2^31 - 1");
        }
        synchronized (lock) {
            streamSendWindow += value - peerInitialWindow;
            peerInitialWindow = (int) value;
            if (streamSendWindow > Http2Frames.MAX_WINDOW) {
                throw new Http2Exception(
                        Http2Exception.FLOW_CONTROL_ERROR,
                        "SETTINGS_INITIAL_WINDOW_SIZE "
                                + value
                                + " overflows the window of stream "
                                + STREAM_ID);
            }
            lock.notifyAll();
        }
    }

    /**
     * A WINDOW_UPDATE's credit for the connection (stream 0) or the call's stream; others are
     * closed.
     */
    void addSendCredit(int streamId, int increment) throws Http2Exception {
        synchronized (lock) {
            if (streamId == 0) {
                connectionSendWindow += increment;
                if (connectionSendWindow > Http2Frames.MAX_WINDOW) {
                    throw new Http2Exception(
                            Http2Exception.FLOW_CONTROL_ERROR,
                            "connection window exceeds 2^31 - 1");
                }
            } else if (streamId == STREAM_ID) {
                streamSendWindow += increment;
                if (streamSendWindow > Http2Frames.MAX_WINDOW) {
                    throw new Http2Exception(
                            Http2Exception.FLOW_CONTROL_ERROR,
                            "window of stream " + streamId + " exceeds 2^31 - 1");
                }
            } else {
                return;
            }
            lock.notifyAll();
        }
    }

    /**
     * Writes a control frame between the sender's frames. Best effort: a failed write shows up as a
     * failed read on the reader thread soon after.
     */
    void writeControl(byte[] frame, int length) {
        writeLock.lock();
        try {
            flushPending();
            connection.write(frame, 0, length);
        } catch (IOException ignored) {
            // The reader notices a dead connection on its next read.
        } finally {
            writeLock.unlock();
        }
    }
}
