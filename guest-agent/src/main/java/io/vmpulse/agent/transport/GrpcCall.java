package io.vmpulse.agent.transport;

import static io.vmpulse.agent.transport.Http2Frames.FLAG_ACK;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_HEADERS;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_STREAM;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_PADDED;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_PRIORITY;
import static io.vmpulse.agent.transport.Http2Frames.FLAGS_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.FRAME_HEADER_LENGTH;
import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_LENGTH_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_PREFIX_LENGTH;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.TYPE_OFFSET;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One bidirectional-streaming gRPC call over its own HTTP/2 connection (cleartext, prior knowledge),
 * with blocking I/O and no per-message allocation: stream 1 is the only stream, and the connection
 * ends with the call. Frame layouts are drawn in {@link Http2Frames}.
 *
 * <p>Threading: {@link #start} starts one daemon reader thread, {@value #READER_THREAD_NAME}, which
 * reads every frame, answers SETTINGS and PING, returns flow-control credit to the server, and calls
 * the {@link Listener} (so listener calls are never concurrent). {@link #sendMessage} and
 * {@link #halfClose} are for one sender thread (not the reader thread). {@link #isOpen},
 * {@link #awaitClose}, {@link #cancel} and {@link #close} may be called from any thread.
 *
 * <p>Flow control: the sender spends the server's connection and stream windows, and blocks in
 * {@link #sendMessage} while either is exhausted until a WINDOW_UPDATE or SETTINGS arrives or the
 * call ends. The server gets a {@value #RECEIVE_WINDOW}-byte window on both, which the reader tops up
 * after consuming half of it.
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
    /** HPACK-coded headers are rarely larger than decoded ones; twice the list bound is generous. */
    static final int MAX_HEADER_BLOCK = 2 * MAX_HEADER_LIST_SIZE;
    static final String USER_AGENT = "vmpulse-agent";
    private static final int MAX_DEBUG_DATA_CHARS = 256;

    private final Connection connection;
    private final Listener listener;
    private final int maxInboundMessageBytes;
    private final Thread reader;

    /** Guards the send windows and the ending; the sender waits on it. */
    private final Object lock = new Object();
    private long connectionSendWindow = Http2Frames.DEFAULT_WINDOW;
    private long streamSendWindow = Http2Frames.DEFAULT_WINDOW;
    private int peerInitialWindow = Http2Frames.DEFAULT_WINDOW;
    private boolean halfClosed;
    private GrpcStatus ending;

    /** Serialises whole frames from the sender, the reader and {@link #cancel}. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final byte[] sendFrame = new byte[FRAME_HEADER_LENGTH + Http2Frames.DEFAULT_MAX_FRAME_SIZE];

    // Reader thread only from here on.
    private final byte[] readBuffer = new byte[FRAME_HEADER_LENGTH + Http2Frames.DEFAULT_MAX_FRAME_SIZE];
    private int readPosition;
    private int readLimit;
    private final byte[] controlFrame = new byte[FRAME_HEADER_LENGTH + Http2Frames.PING_PAYLOAD_LENGTH];
    private final HpackDecoder hpack = new HpackDecoder(Http2Frames.HEADER_TABLE_SIZE, MAX_HEADER_LIST_SIZE);
    private final byte[] headerBlock = new byte[MAX_HEADER_BLOCK];
    private int headerBlockLength;
    private boolean inHeaderBlock;
    private boolean headerBlockEndsStream;
    private boolean responseHeadersSeen;
    private final byte[] messagePrefix = new byte[MESSAGE_PREFIX_LENGTH];
    private int messagePrefixFill;
    private final byte[] message;
    private int messageLength;
    private int messageFill;
    private long connectionReceiveWindow = RECEIVE_WINDOW;
    private long streamReceiveWindow = RECEIVE_WINDOW;
    private final ResponseHeaders headers = new ResponseHeaders();

    private GrpcCall(Connection connection, Listener listener, int maxInboundMessageBytes) {
        this.connection = connection;
        this.listener = listener;
        this.maxInboundMessageBytes = maxInboundMessageBytes;
        this.message = new byte[maxInboundMessageBytes];
        this.reader = new Thread(new Reader(), READER_THREAD_NAME);
        this.reader.setDaemon(true);
    }

    /**
     * Opens the call on {@code connection}, which it then owns. If this throws, the connection has
     * been closed and the listener is never called.
     *
     * @param authority {@code :authority}, e.g. "localhost"
     * @param path {@code :path}, "/package.Service/Method"
     */
    public static GrpcCall start(Connection connection, String authority, String path, Listener listener,
            int maxInboundMessageBytes) throws IOException {
        if (maxInboundMessageBytes < 0) {
            connection.close();
            throw new IllegalArgumentException("maxInboundMessageBytes is negative: " + maxInboundMessageBytes);
        }
        GrpcCall call = new GrpcCall(connection, listener, maxInboundMessageBytes);
        try {
            byte[] start = Http2Frames.clientStart(authority, path, USER_AGENT, RECEIVE_WINDOW, MAX_HEADER_LIST_SIZE);
            connection.write(start, 0, start.length);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
        call.reader.start();
        return call;
    }

    /**
     * Sends one message, split into DATA frames as flow control and the frame size allow; a message
     * that fits one frame and the windows goes out in a single write. Blocks while the server's
     * windows are exhausted; throws if the call has ended (the message says how) or is half-closed.
     */
    public void sendMessage(byte[] msg, int off, int len) throws IOException {
        if (off < 0 || len < 0 || off > msg.length - len) {
            throw new IndexOutOfBoundsException("message range " + off + "+" + len + " of " + msg.length);
        }
        byte[] frame = sendFrame;
        int total = MESSAGE_PREFIX_LENGTH + len;
        int sent = 0;
        while (sent < total) {
            int chunk = reserveSendWindow(Math.min(total - sent, Http2Frames.DEFAULT_MAX_FRAME_SIZE));
            Http2Frames.putFrameHeader(frame, 0, chunk, Http2Frames.TYPE_DATA, 0, STREAM_ID);
            int at = FRAME_HEADER_LENGTH;
            int end = FRAME_HEADER_LENGTH + chunk;
            while (sent < MESSAGE_PREFIX_LENGTH && at < end) {
                // Byte 0 is the compressed flag (never set); bytes 1..4 the big-endian length.
                frame[at++] = sent < MESSAGE_LENGTH_OFFSET ? 0 : (byte) (len >>> (8 * (MESSAGE_PREFIX_LENGTH - 1 - sent)));
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

    /** Tells the server we will send no more messages; the call stays open for its responses. */
    public void halfClose() throws IOException {
        synchronized (lock) {
            checkSendable();
            halfClosed = true;
        }
        Http2Frames.putFrameHeader(sendFrame, 0, 0, Http2Frames.TYPE_DATA, FLAG_END_STREAM, STREAM_ID);
        writeFrame(sendFrame, FRAME_HEADER_LENGTH);
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
     * Ends the call as CANCELLED unless it has already ended: sends RST_STREAM(CANCEL) if no write is
     * in progress, and closes the connection, which wakes the reader thread. Does not wait for it.
     */
    public void cancel() {
        if (!end(new GrpcStatus(GrpcStatus.CANCELLED, "cancelled by the client"))) {
            return;
        }
        // A sender stuck in a write holds the lock; closing the connection matters more than the RST.
        if (writeLock.tryLock()) {
            try {
                byte[] rst = new byte[FRAME_HEADER_LENGTH + Http2Frames.RST_STREAM_PAYLOAD_LENGTH];
                Http2Frames.putFrameHeader(rst, 0, Http2Frames.RST_STREAM_PAYLOAD_LENGTH, Http2Frames.TYPE_RST_STREAM,
                        0, STREAM_ID);
                Http2Frames.putInt(rst, FRAME_HEADER_LENGTH, Http2Exception.CANCEL);
                connection.write(rst, 0, rst.length);
            } catch (IOException ignored) {
                // Best effort: the connection is being closed anyway.
            } finally {
                writeLock.unlock();
            }
        }
        connection.close();
    }

    /**
     * {@link #cancel()}, then waits for the reader thread to finish (and so for {@code onClose} to
     * have returned), unless called on the reader thread itself.
     */
    @Override
    public void close() {
        cancel();
        if (Thread.currentThread() != reader) {
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
                    throw new InterruptedIOException("interrupted while waiting for flow-control credit from "
                            + connection);
                }
            }
        }
    }

    private void checkSendable() throws IOException {
        if (ending != null) {
            throw new IOException("call to " + connection + " has ended: " + ending);
        }
        if (halfClosed) {
            throw new IllegalStateException("call to " + connection + " is half-closed; nothing more can be sent");
        }
    }

    private void writeFrame(byte[] frame, int length) throws IOException {
        writeLock.lock();
        try {
            connection.write(frame, 0, length);
        } catch (IOException e) {
            end(new GrpcStatus(GrpcStatus.UNAVAILABLE, e.getMessage()));
            connection.close();
            throw e;
        } finally {
            writeLock.unlock();
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

    /** An error that ends the call but is not the HTTP/2 connection's fault. */
    private static final class CallException extends IOException {
        private static final long serialVersionUID = 1L;
        final transient GrpcStatus status;

        CallException(GrpcStatus status) {
            super(status.toString());
            this.status = status;
        }
    }

    private final class Reader implements Runnable {
        @Override
        public void run() {
            GrpcStatus result;
            try {
                result = readFrames();
            } catch (CallException e) {
                sendControl(Http2Frames.TYPE_RST_STREAM, STREAM_ID, Http2Exception.CANCEL, 0);
                result = e.status;
            } catch (Http2Exception e) {
                sendControl(Http2Frames.TYPE_GOAWAY, 0, STREAM_ID, e.errorCode());
                result = new GrpcStatus(GrpcStatus.INTERNAL, "HTTP/2 protocol error from " + connection + ": "
                        + e.getMessage());
            } catch (IOException e) {
                result = new GrpcStatus(GrpcStatus.UNAVAILABLE, e.getMessage());
            } catch (RuntimeException e) {
                result = new GrpcStatus(GrpcStatus.INTERNAL, "call listener failed: " + e);
            }
            end(result);
            connection.close();
            GrpcStatus status;
            synchronized (lock) {
                status = ending;
            }
            listener.onClose(status);
        }
    }

    /** Returns the status from the trailers, or throws for anything that ends the call otherwise. */
    private GrpcStatus readFrames() throws IOException {
        while (true) {
            fill(FRAME_HEADER_LENGTH);
            int at = readPosition;
            int length = Http2Frames.getLength(readBuffer, at);
            int type = readBuffer[at + TYPE_OFFSET] & 0xFF;
            int flags = readBuffer[at + FLAGS_OFFSET] & 0xFF;
            int streamId = Http2Frames.getInt(readBuffer, at + STREAM_ID_OFFSET) & Integer.MAX_VALUE;
            if (length > Http2Frames.DEFAULT_MAX_FRAME_SIZE) {
                throw new Http2Exception(Http2Exception.FRAME_SIZE_ERROR, "frame type " + type + " on stream "
                        + streamId + " is " + length + " bytes; the limit is " + Http2Frames.DEFAULT_MAX_FRAME_SIZE);
            }
            fill(FRAME_HEADER_LENGTH + length);
            int payload = readPosition + FRAME_HEADER_LENGTH;
            readPosition = payload + length;
            if (inHeaderBlock && (type != Http2Frames.TYPE_CONTINUATION || streamId != STREAM_ID)) {
                throw Http2Exception.protocol("frame type " + type + " on stream " + streamId
                        + " interrupts a header block on stream " + STREAM_ID);
            }
            GrpcStatus done = null;
            switch (type) {
                case Http2Frames.TYPE_DATA:
                    onData(payload, length, flags, streamId);
                    break;
                case Http2Frames.TYPE_HEADERS:
                    done = onHeaders(payload, length, flags, streamId);
                    break;
                case Http2Frames.TYPE_CONTINUATION:
                    if (!inHeaderBlock) {
                        throw Http2Exception.protocol("CONTINUATION on stream " + streamId + " without HEADERS");
                    }
                    done = appendHeaderBlock(payload, length, flags);
                    break;
                case Http2Frames.TYPE_PRIORITY:
                    expectLength(type, streamId, length, Http2Frames.PRIORITY_PAYLOAD_LENGTH);
                    break;
                case Http2Frames.TYPE_RST_STREAM:
                    done = onRstStream(payload, length, streamId);
                    break;
                case Http2Frames.TYPE_SETTINGS:
                    onSettings(payload, length, flags, streamId);
                    break;
                case Http2Frames.TYPE_PUSH_PROMISE:
                    throw Http2Exception.protocol("PUSH_PROMISE on stream " + streamId + " although push is disabled");
                case Http2Frames.TYPE_PING:
                    onPing(payload, length, flags, streamId);
                    break;
                case Http2Frames.TYPE_GOAWAY:
                    onGoAway(payload, length, streamId);
                    break;
                case Http2Frames.TYPE_WINDOW_UPDATE:
                    onWindowUpdate(payload, length, streamId);
                    break;
                default:
                    // RFC 9113 section 4.1: frames of unknown type are ignored.
                    break;
            }
            if (done != null) {
                return done;
            }
        }
    }

    /** Makes at least {@code n} unread bytes available from {@link #readPosition}. */
    private void fill(int n) throws IOException {
        if (readBuffer.length - readPosition < n) {
            System.arraycopy(readBuffer, readPosition, readBuffer, 0, readLimit - readPosition);
            readLimit -= readPosition;
            readPosition = 0;
        }
        while (readLimit - readPosition < n) {
            int read = connection.read(readBuffer, readLimit, readBuffer.length - readLimit);
            if (read < 0) {
                throw new IOException(connection + " closed the connection before the call ended");
            }
            readLimit += read;
        }
    }

    private void onData(int payload, int length, int flags, int streamId) throws IOException {
        requireCallStream("DATA", streamId);
        if (!responseHeadersSeen) {
            throw Http2Exception.protocol("DATA on stream " + streamId + " before response headers");
        }
        connectionReceiveWindow -= length;
        streamReceiveWindow -= length;
        if (connectionReceiveWindow < 0 || streamReceiveWindow < 0) {
            throw new Http2Exception(Http2Exception.FLOW_CONTROL_ERROR, "DATA of " + length + " bytes on stream "
                    + streamId + " exceeds the flow-control window we granted");
        }
        int start = payload;
        int end = payload + length;
        if ((flags & FLAG_PADDED) != 0) {
            int padding = length == 0 ? -1 : readBuffer[payload] & 0xFF;
            if (padding < 0 || padding >= length) {
                throw Http2Exception.protocol("DATA on stream " + streamId + " has padding longer than its payload");
            }
            start++;
            end -= padding;
        }
        deframe(start, end);
        if ((flags & FLAG_END_STREAM) != 0) {
            throw new CallException(new GrpcStatus(GrpcStatus.INTERNAL, connection
                    + " ended the response stream without trailers"));
        }
        returnCredit();
    }

    /** Reassembles length-prefixed messages from DATA payloads; a message may span frames. */
    private void deframe(int from, int to) throws CallException {
        while (from < to) {
            if (messagePrefixFill < MESSAGE_PREFIX_LENGTH) {
                int take = Math.min(MESSAGE_PREFIX_LENGTH - messagePrefixFill, to - from);
                System.arraycopy(readBuffer, from, messagePrefix, messagePrefixFill, take);
                messagePrefixFill += take;
                from += take;
                if (messagePrefixFill == MESSAGE_PREFIX_LENGTH) {
                    startMessage();
                }
                continue;
            }
            int take = Math.min(messageLength - messageFill, to - from);
            System.arraycopy(readBuffer, from, message, messageFill, take);
            messageFill += take;
            from += take;
            if (messageFill == messageLength) {
                deliverMessage();
            }
        }
    }

    private void startMessage() throws CallException {
        if (messagePrefix[Http2Frames.COMPRESSED_FLAG_OFFSET] != 0) {
            throw new CallException(new GrpcStatus(GrpcStatus.INTERNAL, connection
                    + " sent a compressed message, and this client supports no compression"));
        }
        long length = Http2Frames.getInt(messagePrefix, MESSAGE_LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (length > maxInboundMessageBytes) {
            throw new CallException(new GrpcStatus(GrpcStatus.RESOURCE_EXHAUSTED, connection + " sent a message of "
                    + length + " bytes; the limit is " + maxInboundMessageBytes));
        }
        messageLength = (int) length;
        messageFill = 0;
        if (messageLength == 0) {
            deliverMessage();
        }
    }

    private void deliverMessage() {
        messagePrefixFill = 0;
        listener.onMessage(message, 0, messageLength);
    }

    /** Gives the server back what it has spent once half a window is used, on both levels at once. */
    private void returnCredit() {
        long spent = RECEIVE_WINDOW - Math.min(connectionReceiveWindow, streamReceiveWindow);
        if (spent < RECEIVE_WINDOW / 2) {
            return;
        }
        sendControl(Http2Frames.TYPE_WINDOW_UPDATE, 0, (int) (RECEIVE_WINDOW - connectionReceiveWindow), 0);
        sendControl(Http2Frames.TYPE_WINDOW_UPDATE, STREAM_ID, (int) (RECEIVE_WINDOW - streamReceiveWindow), 0);
        connectionReceiveWindow = RECEIVE_WINDOW;
        streamReceiveWindow = RECEIVE_WINDOW;
    }

    private GrpcStatus onHeaders(int payload, int length, int flags, int streamId) throws IOException {
        requireCallStream("HEADERS", streamId);
        int start = payload;
        int end = payload + length;
        if ((flags & FLAG_PADDED) != 0) {
            int padding = length == 0 ? -1 : readBuffer[start++] & 0xFF;
            end -= padding;
        }
        if ((flags & FLAG_PRIORITY) != 0) {
            start += Http2Frames.PRIORITY_PAYLOAD_LENGTH;
        }
        if (start > end) {
            throw Http2Exception.protocol("HEADERS on stream " + streamId + " has padding or priority fields longer"
                    + " than its payload of " + length + " bytes");
        }
        headerBlockLength = 0;
        headerBlockEndsStream = (flags & FLAG_END_STREAM) != 0;
        inHeaderBlock = true;
        return appendHeaderBlock(start, end - start, flags);
    }

    private GrpcStatus appendHeaderBlock(int from, int length, int flags) throws IOException {
        if (length > MAX_HEADER_BLOCK - headerBlockLength) {
            throw Http2Exception.protocol("header block on stream " + STREAM_ID + " exceeds " + MAX_HEADER_BLOCK
                    + " bytes");
        }
        System.arraycopy(readBuffer, from, headerBlock, headerBlockLength, length);
        headerBlockLength += length;
        if ((flags & FLAG_END_HEADERS) == 0) {
            return null;
        }
        inHeaderBlock = false;
        headers.clear();
        hpack.decode(headerBlock, 0, headerBlockLength, headers);
        if (!responseHeadersSeen) {
            responseHeadersSeen = true;
            if (!"200".equals(headers.status)) {
                return new GrpcStatus(httpStatusToCode(headers.status), connection + " answered with HTTP status "
                        + headers.status + (headers.grpcStatus == null ? "" : ", grpc-status " + headers.grpcStatus));
            }
            if (!headerBlockEndsStream) {
                if (!isGrpcContentType(headers.contentType)) {
                    return new GrpcStatus(GrpcStatus.UNKNOWN, connection + " answered with content-type '"
                            + headers.contentType + "', not application/grpc");
                }
                return null;
            }
        } else if (!headerBlockEndsStream) {
            throw Http2Exception.protocol("second header block on stream " + STREAM_ID + " does not end the stream");
        }
        return trailersStatus();
    }

    private GrpcStatus trailersStatus() {
        if (headers.grpcStatus == null) {
            return new GrpcStatus(GrpcStatus.UNKNOWN, connection + " ended the call without grpc-status");
        }
        int code;
        try {
            code = Integer.parseInt(headers.grpcStatus);
        } catch (NumberFormatException e) {
            return new GrpcStatus(GrpcStatus.UNKNOWN, connection + " sent grpc-status '" + headers.grpcStatus + "'");
        }
        if (code == GrpcStatus.OK && messagePrefixFill > 0) {
            return new GrpcStatus(GrpcStatus.INTERNAL, connection + " ended the call in the middle of a message");
        }
        return new GrpcStatus(code, headers.grpcMessage == null ? "" : percentDecode(headers.grpcMessage));
    }

    private GrpcStatus onRstStream(int payload, int length, int streamId) throws Http2Exception {
        expectLength(Http2Frames.TYPE_RST_STREAM, streamId, length, Http2Frames.RST_STREAM_PAYLOAD_LENGTH);
        if (streamId == 0) {
            throw Http2Exception.protocol("RST_STREAM on stream 0");
        }
        if (streamId != STREAM_ID) {
            return null;
        }
        int errorCode = Http2Frames.getInt(readBuffer, payload);
        int code = errorCode == Http2Exception.REFUSED_STREAM ? GrpcStatus.UNAVAILABLE
                : errorCode == Http2Exception.CANCEL ? GrpcStatus.CANCELLED : GrpcStatus.INTERNAL;
        return new GrpcStatus(code, connection + " reset stream " + streamId + " with HTTP/2 error code " + errorCode);
    }

    private void onSettings(int payload, int length, int flags, int streamId) throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.protocol("SETTINGS on stream " + streamId);
        }
        if ((flags & FLAG_ACK) != 0) {
            expectLength(Http2Frames.TYPE_SETTINGS, streamId, length, 0);
            return;
        }
        if (length % Http2Frames.SETTING_LENGTH != 0) {
            throw new Http2Exception(Http2Exception.FRAME_SIZE_ERROR, "SETTINGS payload of " + length
                    + " bytes is not a multiple of " + Http2Frames.SETTING_LENGTH);
        }
        for (int at = payload; at < payload + length; at += Http2Frames.SETTING_LENGTH) {
            int id = (readBuffer[at] & 0xFF) << 8 | (readBuffer[at + 1] & 0xFF);
            long value = Http2Frames.getInt(readBuffer, at + Short.BYTES) & 0xFFFF_FFFFL;
            switch (id) {
                case Http2Frames.SETTINGS_ENABLE_PUSH:
                    if (value != 0) {
                        throw Http2Exception.protocol("server sent SETTINGS_ENABLE_PUSH " + value);
                    }
                    break;
                case Http2Frames.SETTINGS_INITIAL_WINDOW_SIZE:
                    applyInitialWindow(value);
                    break;
                case Http2Frames.SETTINGS_MAX_FRAME_SIZE:
                    // We never send more than the 16384 every peer accepts, so only validity matters.
                    if (value < Http2Frames.DEFAULT_MAX_FRAME_SIZE || value > Http2Frames.MAX_ALLOWED_MAX_FRAME_SIZE) {
                        throw Http2Exception.protocol("SETTINGS_MAX_FRAME_SIZE " + value + " is out of range");
                    }
                    break;
                default:
                    // HEADER_TABLE_SIZE and MAX_HEADER_LIST_SIZE bind an HPACK encoder state we do not
                    // have and headers far larger than ours; unknown settings must be ignored.
                    break;
            }
        }
        sendControl(Http2Frames.TYPE_SETTINGS, 0, 0, FLAG_ACK);
    }

    /** Section 6.9.2: a new initial window shifts every stream window by the difference. */
    private void applyInitialWindow(long value) throws Http2Exception {
        if (value > Http2Frames.MAX_WINDOW) {
            throw new Http2Exception(Http2Exception.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value
                    + " exceeds 2^31 - 1");
        }
        synchronized (lock) {
            streamSendWindow += value - peerInitialWindow;
            peerInitialWindow = (int) value;
            if (streamSendWindow > Http2Frames.MAX_WINDOW) {
                throw new Http2Exception(Http2Exception.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value
                        + " overflows the window of stream " + STREAM_ID);
            }
            lock.notifyAll();
        }
    }

    private void onPing(int payload, int length, int flags, int streamId) throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.protocol("PING on stream " + streamId);
        }
        expectLength(Http2Frames.TYPE_PING, streamId, length, Http2Frames.PING_PAYLOAD_LENGTH);
        if ((flags & FLAG_ACK) == 0) {
            System.arraycopy(readBuffer, payload, controlFrame, FRAME_HEADER_LENGTH, Http2Frames.PING_PAYLOAD_LENGTH);
            Http2Frames.putFrameHeader(controlFrame, 0, Http2Frames.PING_PAYLOAD_LENGTH, Http2Frames.TYPE_PING,
                    FLAG_ACK, 0);
            writeControl(FRAME_HEADER_LENGTH + Http2Frames.PING_PAYLOAD_LENGTH);
        }
    }

    /**
     * A GOAWAY that covers stream 1 without an error is a graceful shutdown: the server still
     * finishes the call, so reading goes on. Anything else ends it.
     */
    private void onGoAway(int payload, int length, int streamId) throws IOException {
        if (streamId != 0) {
            throw Http2Exception.protocol("GOAWAY on stream " + streamId);
        }
        if (length < Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH) {
            throw new Http2Exception(Http2Exception.FRAME_SIZE_ERROR, "GOAWAY payload of " + length + " bytes");
        }
        int lastStreamId = Http2Frames.getInt(readBuffer, payload) & Integer.MAX_VALUE;
        int errorCode = Http2Frames.getInt(readBuffer, payload + Integer.BYTES);
        if (errorCode == Http2Exception.NO_ERROR && lastStreamId >= STREAM_ID) {
            return;
        }
        int debugStart = payload + Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH;
        int debugLength = Math.min(length - Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH, MAX_DEBUG_DATA_CHARS);
        String debug = new String(readBuffer, debugStart, debugLength, StandardCharsets.UTF_8);
        throw new CallException(new GrpcStatus(GrpcStatus.UNAVAILABLE, connection + " sent GOAWAY with error code "
                + errorCode + ", last stream " + lastStreamId + (debug.isEmpty() ? "" : ": " + debug)));
    }

    private void onWindowUpdate(int payload, int length, int streamId) throws Http2Exception {
        expectLength(Http2Frames.TYPE_WINDOW_UPDATE, streamId, length, Http2Frames.WINDOW_UPDATE_PAYLOAD_LENGTH);
        int increment = Http2Frames.getInt(readBuffer, payload) & Integer.MAX_VALUE;
        if (increment == 0) {
            throw Http2Exception.protocol("WINDOW_UPDATE with increment 0 on stream " + streamId);
        }
        synchronized (lock) {
            if (streamId == 0) {
                connectionSendWindow += increment;
                if (connectionSendWindow > Http2Frames.MAX_WINDOW) {
                    throw new Http2Exception(Http2Exception.FLOW_CONTROL_ERROR, "connection window exceeds 2^31 - 1");
                }
            } else if (streamId == STREAM_ID) {
                streamSendWindow += increment;
                if (streamSendWindow > Http2Frames.MAX_WINDOW) {
                    throw new Http2Exception(Http2Exception.FLOW_CONTROL_ERROR, "window of stream " + streamId
                            + " exceeds 2^31 - 1");
                }
            } else {
                return;
            }
            lock.notifyAll();
        }
    }

    private static void requireCallStream(String frame, int streamId) throws Http2Exception {
        if (streamId != STREAM_ID) {
            throw Http2Exception.protocol(frame + " on stream " + streamId + "; only stream " + STREAM_ID + " exists");
        }
    }

    private static void expectLength(int type, int streamId, int length, int expected) throws Http2Exception {
        if (length != expected) {
            throw new Http2Exception(Http2Exception.FRAME_SIZE_ERROR, "frame type " + type + " on stream " + streamId
                    + " has a payload of " + length + " bytes, not " + expected);
        }
    }

    /**
     * Writes a 4-byte-payload frame (WINDOW_UPDATE, RST_STREAM) or, for type SETTINGS, an empty one;
     * for GOAWAY, {@code value} is the last stream id and {@code flags} the error code. Best effort:
     * a failed write shows up as a failed read soon after.
     */
    private void sendControl(int type, int streamId, int value, int flags) {
        int length;
        if (type == Http2Frames.TYPE_SETTINGS) {
            length = 0;
            Http2Frames.putFrameHeader(controlFrame, 0, 0, type, flags, streamId);
        } else if (type == Http2Frames.TYPE_GOAWAY) {
            length = Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH;
            Http2Frames.putFrameHeader(controlFrame, 0, length, type, 0, streamId);
            Http2Frames.putInt(controlFrame, FRAME_HEADER_LENGTH + Integer.BYTES, flags);
        } else {
            length = Integer.BYTES;
            Http2Frames.putFrameHeader(controlFrame, 0, length, type, flags, streamId);
        }
        if (length > 0) {
            Http2Frames.putInt(controlFrame, FRAME_HEADER_LENGTH, value);
        }
        writeControl(FRAME_HEADER_LENGTH + length);
    }

    private void writeControl(int length) {
        writeLock.lock();
        try {
            connection.write(controlFrame, 0, length);
        } catch (IOException ignored) {
            // The reader notices a dead connection on its next read.
        } finally {
            writeLock.unlock();
        }
    }

    private static boolean isGrpcContentType(String contentType) {
        if (contentType == null || !contentType.startsWith("application/grpc")) {
            return false;
        }
        int rest = "application/grpc".length();
        return contentType.length() == rest || contentType.charAt(rest) == '+' || contentType.charAt(rest) == ';';
    }

    /** What grpc-java reports for a non-200 response (its GrpcUtil.httpStatusToGrpcStatus). */
    private static int httpStatusToCode(String status) {
        if (status == null) {
            return GrpcStatus.INTERNAL;
        }
        switch (status) {
            case "400":
            case "431":
                return GrpcStatus.INTERNAL;
            case "401":
                return GrpcStatus.UNAUTHENTICATED;
            case "403":
                return GrpcStatus.PERMISSION_DENIED;
            case "404":
                return GrpcStatus.UNIMPLEMENTED;
            case "429":
            case "502":
            case "503":
            case "504":
                return GrpcStatus.UNAVAILABLE;
            default:
                return GrpcStatus.UNKNOWN;
        }
    }

    /**
     * grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec); {@code s} holds one char per
     * octet. A malformed escape is kept as it is, as the spec asks.
     */
    static String percentDecode(String s) {
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int high = Character.digit(s.charAt(i + 1), 16);
                int low = Character.digit(s.charAt(i + 2), 16);
                if (high >= 0 && low >= 0) {
                    out[n++] = (byte) (high << 4 | low);
                    i += 2;
                    continue;
                }
            }
            out[n++] = (byte) c;
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** The four response headers the call looks at; everything else is dropped. */
    private static final class ResponseHeaders implements HpackDecoder.HeaderSink {
        String status;
        String contentType;
        String grpcStatus;
        String grpcMessage;

        void clear() {
            status = null;
            contentType = null;
            grpcStatus = null;
            grpcMessage = null;
        }

        @Override
        public void header(String name, String value) {
            switch (name) {
                case ":status":
                    status = value;
                    break;
                case "content-type":
                    contentType = value;
                    break;
                case "grpc-status":
                    grpcStatus = value;
                    break;
                case "grpc-message":
                    grpcMessage = value;
                    break;
                default:
                    break;
            }
        }
    }
}
