package io.vmpulse.agent.transport;

import java.io.IOException;

/**
 * The peer broke HTTP/2 (RFC 9113) or HPACK (RFC 7541). {@link #errorCode()} is the RFC 9113
 * section 7 code that a GOAWAY for it carries.
 */
final class Http2Exception extends IOException {

    private static final long serialVersionUID = 1L;

    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int INTERNAL_ERROR = 0x2;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int STREAM_CLOSED = 0x5;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;

    private final int errorCode;

    Http2Exception(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    int errorCode() {
        return errorCode;
    }

    static Http2Exception compression(String message) {
        return new Http2Exception(COMPRESSION_ERROR, message);
    }

    static Http2Exception protocol(String message) {
        return new Http2Exception(PROTOCOL_ERROR, message);
    }
}
