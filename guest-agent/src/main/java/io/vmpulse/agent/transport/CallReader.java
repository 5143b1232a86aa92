package io.vmpulse.agent.transport;

import static io.vmpulse.agent.transport.Http2Frames.FLAGS_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_ACK;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_HEADERS;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_STREAM;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_PADDED;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_PRIORITY;
import static io.vmpulse.agent.transport.Http2Frames.FRAME_HEADER_LENGTH;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.TYPE_OFFSET;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The reading half of a {@link GrpcCall}, run by its {@value GrpcCall#READER_THREAD_NAME} thread:
 * reads every frame the server sends until the call ends, then calls {@code onClose} once.
 *
 * <p>It owns the receive side outright (the frame buffer, header-block assembly and HPACK state,
 * the deframer and the receive windows), so none of that needs a lock. It reaches into the call
 * only for what the sender shares: send-window credit from SETTINGS and WINDOW_UPDATE, the write
 * lock for the control frames it answers with, and the ending.
 *
 * <p>Padded DATA and HEADERS payloads (RFC 9113 sections 6.1, 6.2; brackets mark optional fields):
 *
 * <pre>
 *   DATA     [pad length (u8)] | data ...                                     | [padding ...]
 *   HEADERS  [pad length (u8)] | [E|stream dependency (u31) | weight (u8)] | header block ... | [padding ...]
 * </pre>
 */
final class CallReader implements Runnable {

    private static final int MAX_DEBUG_DATA_CHARS = 256;

    /** An error that ends the call but is not the HTTP/2 connection's fault. */
    static final class CallException extends IOException {
        private static final long serialVersionUID = 1L;
        final transient GrpcStatus status;

        CallException(GrpcStatus status) {
            super(status.toString());
            this.status = status;
        }
    }

    private final GrpcCall call;
    private final Connection connection;
    private final GrpcCall.Listener listener;

    private final byte[] readBuffer =
            new byte[FRAME_HEADER_LENGTH + Http2Frames.DEFAULT_MAX_FRAME_SIZE];
    private int readPosition;
    private int readLimit;
    private final byte[] controlFrame =
            new byte[FRAME_HEADER_LENGTH + Http2Frames.PING_PAYLOAD_LENGTH];
    private final HpackDecoder hpack =
            new HpackDecoder(Http2Frames.HEADER_TABLE_SIZE, GrpcCall.MAX_HEADER_LIST_SIZE);
    private final byte[] headerBlock = new byte[GrpcCall.MAX_HEADER_BLOCK];
    private int headerBlockLength;
    private boolean inHeaderBlock;
    private boolean headerBlockEndsStream;
    private boolean responseHeadersSeen;
    private final ResponseHeaders headers = new ResponseHeaders();
    private final MessageDeframer deframer;
    private long connectionReceiveWindow = GrpcCall.RECEIVE_WINDOW;
    private long streamReceiveWindow = GrpcCall.RECEIVE_WINDOW;

    CallReader(
            GrpcCall call,
            Connection connection,
            GrpcCall.Listener listener,
            int maxInboundMessageBytes) {
        this.call = call;
        this.connection = connection;
        this.listener = listener;
        this.deframer = new MessageDeframer(connection, listener, maxInboundMessageBytes);
    }

    @Override
    public void run() {
        GrpcStatus result;
        try {
            result = readFrames();
        } catch (CallException e) {
            sendControl(Http2Frames.TYPE_RST_STREAM, STREAM_ID, Http2Exception.CANCEL, 0);
            result = e.status;
        } catch (Http2Exception e) {
            // The last stream id names the peer's streams we acted on (RFC 9113 section 6.8): the
            // server opens none, as push is off.
            sendControl(Http2Frames.TYPE_GOAWAY, 0, 0, e.errorCode());
            result =
                    new GrpcStatus(
                            GrpcStatus.INTERNAL,
                            "HTTP/2 protocol error from " + connection + ": " + e.getMessage());
        } catch (IOException e) {
            result = new GrpcStatus(GrpcStatus.UNAVAILABLE, e.getMessage());
        } catch (RuntimeException e) {
            result = new GrpcStatus(GrpcStatus.INTERNAL, "call listener failed: " + e);
        }
        listener.onClose(call.finish(result));
    }

    /**
     * Returns the status from the trailers, or throws for anything that ends the call otherwise.
     */
    private GrpcStatus readFrames() throws IOException {
        while (true) {
            fill(FRAME_HEADER_LENGTH);
            int at = readPosition;
            int length = Http2Frames.getLength(readBuffer, at);
            int type = readBuffer[at + TYPE_OFFSET] & 0xFF;
            int flags = readBuffer[at + FLAGS_OFFSET] & 0xFF;
            int streamId =
                    Http2Frames.getInt(readBuffer, at + STREAM_ID_OFFSET) & Integer.MAX_VALUE;
            if (length > Http2Frames.DEFAULT_MAX_FRAME_SIZE) {
                throw new Http2Exception(
                        Http2Exception.FRAME_SIZE_ERROR,
                        "frame type "
                                + type
                                + " on stream "
                                + streamId
                                + " is "
                                + length
                                + " bytes; the limit is "
                                + Http2Frames.DEFAULT_MAX_FRAME_SIZE);
            }
            fill(FRAME_HEADER_LENGTH + length);
            int payload = readPosition + FRAME_HEADER_LENGTH;
            readPosition = payload + length;
            if (inHeaderBlock && (type != Http2Frames.TYPE_CONTINUATION || streamId != STREAM_ID)) {
                throw Http2Exception.protocol(
                        "frame type "
                                + type
                                + " on stream "
                                + streamId
                                + " interrupts a header block on stream "
                                + STREAM_ID);
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
                        throw Http2Exception.protocol(
                                "CONTINUATION on stream " + streamId + " without HEADERS");
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
                    throw Http2Exception.protocol(
                            "PUSH_PROMISE on stream " + streamId + " although push is disabled");
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
            throw Http2Exception.protocol(
                    "DATA on stream " + streamId + " before response headers");
        }
        // Padding is flow-controlled too (section 6.9.1), so the whole payload counts.
        connectionReceiveWindow -= length;
        streamReceiveWindow -= length;
        if (connectionReceiveWindow < 0 || streamReceiveWindow < 0) {
            throw new Http2Exception(
                    Http2Exception.FLOW_CONTROL_ERROR,
                    "DATA of "
                            + length
                            + " bytes on stream "
                            + streamId
                            + " exceeds the flow-control window we granted");
        }
        int start = payload;
        int end = payload + length;
        if ((flags & FLAG_PADDED) != 0) {
            int padding = length == 0 ? -1 : readBuffer[payload] & 0xFF;
            if (padding < 0 || padding >= length) {
                throw Http2Exception.protocol(
                        "DATA on stream " + streamId + " has padding longer than its payload");
            }
            start++;
            end -= padding;
        }
        deframer.deframe(readBuffer, start, end);
        if ((flags & FLAG_END_STREAM) != 0) {
            throw new CallException(
                    new GrpcStatus(
                            GrpcStatus.INTERNAL,
                            connection + " ended the response stream without trailers"));
        }
        returnCredit();
    }

    /**
     * Gives the server back what it has spent once half a window is used, on both levels at once:
     * two WINDOW_UPDATEs per half megabyte, and a server that keeps to its window never stalls.
     */
    private void returnCredit() {
        long spent =
                GrpcCall.RECEIVE_WINDOW - Math.min(connectionReceiveWindow, streamReceiveWindow);
        if (spent < GrpcCall.RECEIVE_WINDOW / 2) {
            return;
        }
        sendControl(
                Http2Frames.TYPE_WINDOW_UPDATE,
                0,
                (int) (GrpcCall.RECEIVE_WINDOW - connectionReceiveWindow),
                0);
        sendControl(
                Http2Frames.TYPE_WINDOW_UPDATE,
                STREAM_ID,
                (int) (GrpcCall.RECEIVE_WINDOW - streamReceiveWindow),
                0);
        connectionReceiveWindow = GrpcCall.RECEIVE_WINDOW;
        streamReceiveWindow = GrpcCall.RECEIVE_WINDOW;
    }

    private GrpcStatus onHeaders(int payload, int length, int flags, int streamId)
            throws IOException {
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
            throw Http2Exception.protocol(
                    "HEADERS on stream "
                            + streamId
                            + " has padding or priority fields longer"
                            + " than its payload of "
                            + length
                            + " bytes");
        }
        headerBlockLength = 0;
        headerBlockEndsStream = (flags & FLAG_END_STREAM) != 0;
        inHeaderBlock = true;
        return appendHeaderBlock(start, end - start, flags);
    }

    /**
     * Collects a header block across HEADERS and CONTINUATION frames; decodes it once it is whole.
     */
    private GrpcStatus appendHeaderBlock(int from, int length, int flags) throws IOException {
        if (length > GrpcCall.MAX_HEADER_BLOCK - headerBlockLength) {
            throw Http2Exception.protocol(
                    "header block on stream "
                            + STREAM_ID
                            + " exceeds "
                            + GrpcCall.MAX_HEADER_BLOCK
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
            return headers.responseStatus(connection, headerBlockEndsStream);
        }
        if (!headerBlockEndsStream) {
            throw Http2Exception.protocol(
                    "second header block on stream " + STREAM_ID + " does not end the stream");
        }
        GrpcStatus trailers = headers.trailersStatus(connection);
        if (trailers.isOk() && deframer.inMessage()) {
            return new GrpcStatus(
                    GrpcStatus.INTERNAL, connection + " ended the call in the middle of a message");
        }
        return trailers;
    }

    private GrpcStatus onRstStream(int payload, int length, int streamId) throws Http2Exception {
        expectLength(
                Http2Frames.TYPE_RST_STREAM,
                streamId,
                length,
                Http2Frames.RST_STREAM_PAYLOAD_LENGTH);
        if (streamId == 0) {
            throw Http2Exception.protocol("RST_STREAM on stream 0");
        }
        if (streamId != STREAM_ID) {
            return null;
        }
        int errorCode = Http2Frames.getInt(readBuffer, payload);
        int code =
                errorCode == Http2Exception.REFUSED_STREAM
                        ? GrpcStatus.UNAVAILABLE
                        : errorCode == Http2Exception.CANCEL
                                ? GrpcStatus.CANCELLED
                                : GrpcStatus.INTERNAL;
        return new GrpcStatus(
                code,
                connection + " reset stream " + streamId + " with HTTP/2 error code " + errorCode);
    }

    private void onSettings(int payload, int length, int flags, int streamId)
            throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.protocol("SETTINGS on stream " + streamId);
        }
        if ((flags & FLAG_ACK) != 0) {
            expectLength(Http2Frames.TYPE_SETTINGS, streamId, length, 0);
            return;
        }
        if (length % Http2Frames.SETTING_LENGTH != 0) {
            throw new Http2Exception(
                    Http2Exception.FRAME_SIZE_ERROR,
                    "SETTINGS payload of "
                            + length
                            + " bytes is not a multiple of "
                            + Http2Frames.SETTING_LENGTH);
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
                    call.applyInitialWindow(value);
                    break;
                case Http2Frames.SETTINGS_MAX_FRAME_SIZE:
                    // We never send more than the 16384 every peer accepts, so only validity
                    // matters.
                    if (value < Http2Frames.DEFAULT_MAX_FRAME_SIZE
                            || value > Http2Frames.MAX_ALLOWED_MAX_FRAME_SIZE) {
                        throw Http2Exception.protocol(
                                "SETTINGS_MAX_FRAME_SIZE " + value + " is out of range");
                    }
                    break;
                default:
                    // HEADER_TABLE_SIZE and MAX_HEADER_LIST_SIZE bind an HPACK encoder state we do
                    // not
                    // have and headers far larger than ours; unknown settings must be ignored.
                    break;
            }
        }
        sendControl(Http2Frames.TYPE_SETTINGS, 0, 0, FLAG_ACK);
    }

    private void onPing(int payload, int length, int flags, int streamId) throws Http2Exception {
        if (streamId != 0) {
            throw Http2Exception.protocol("PING on stream " + streamId);
        }
        expectLength(Http2Frames.TYPE_PING, streamId, length, Http2Frames.PING_PAYLOAD_LENGTH);
        if ((flags & FLAG_ACK) == 0) {
            System.arraycopy(
                    readBuffer,
                    payload,
                    controlFrame,
                    FRAME_HEADER_LENGTH,
                    Http2Frames.PING_PAYLOAD_LENGTH);
            Http2Frames.putFrameHeader(
                    controlFrame,
                    0,
                    Http2Frames.PING_PAYLOAD_LENGTH,
                    Http2Frames.TYPE_PING,
                    FLAG_ACK,
                    0);
            call.writeControl(controlFrame, FRAME_HEADER_LENGTH + Http2Frames.PING_PAYLOAD_LENGTH);
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
            throw new Http2Exception(
                    Http2Exception.FRAME_SIZE_ERROR, "GOAWAY payload of " + length + " bytes");
        }
        int lastStreamId = Http2Frames.getInt(readBuffer, payload) & Integer.MAX_VALUE;
        int errorCode = Http2Frames.getInt(readBuffer, payload + Integer.BYTES);
        if (errorCode == Http2Exception.NO_ERROR && lastStreamId >= STREAM_ID) {
            return;
        }
        int debugStart = payload + Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH;
        int debugLength =
                Math.min(length - Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH, MAX_DEBUG_DATA_CHARS);
        String debug = new String(readBuffer, debugStart, debugLength, StandardCharsets.UTF_8);
        throw new CallException(
                new GrpcStatus(
                        GrpcStatus.UNAVAILABLE,
                        connection
                                + " sent GOAWAY with error code "
                                + errorCode
                                + ", last stream "
                                + lastStreamId
                                + (debug.isEmpty() ? "" : ": " + debug)));
    }

    private void onWindowUpdate(int payload, int length, int streamId) throws Http2Exception {
        expectLength(
                Http2Frames.TYPE_WINDOW_UPDATE,
                streamId,
                length,
                Http2Frames.WINDOW_UPDATE_PAYLOAD_LENGTH);
        int increment = Http2Frames.getInt(readBuffer, payload) & Integer.MAX_VALUE;
        if (increment == 0) {
            throw Http2Exception.protocol("WINDOW_UPDATE with increment 0 on stream " + streamId);
        }
        call.addSendCredit(streamId, increment);
    }

    private static void requireCallStream(String frame, int streamId) throws Http2Exception {
        if (streamId != STREAM_ID) {
            throw Http2Exception.protocol(
                    frame + " on stream " + streamId + "; only stream " + STREAM_ID + " exists");
        }
    }

    private static void expectLength(int type, int streamId, int length, int expected)
            throws Http2Exception {
        if (length != expected) {
            throw new Http2Exception(
                    Http2Exception.FRAME_SIZE_ERROR,
                    "frame type "
                            + type
                            + " on stream "
                            + streamId
                            + " has a payload of "
                            + length
                            + " bytes, not "
                            + expected);
        }
    }

    /**
     * Writes a 4-byte-payload frame (WINDOW_UPDATE, RST_STREAM) or, for type SETTINGS, an empty
     * one; for GOAWAY, {@code value} is the last stream id and {@code flags} the error code.
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
        call.writeControl(controlFrame, FRAME_HEADER_LENGTH + length);
    }
}
