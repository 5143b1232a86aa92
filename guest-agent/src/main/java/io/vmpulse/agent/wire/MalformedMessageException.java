package io.vmpulse.agent.wire;

import java.io.IOException;

/**
 * Bytes that are not the protobuf message they should be; the message says what is wrong, and
 * where.
 */
public final class MalformedMessageException extends IOException {

    private static final long serialVersionUID = 1L;

    MalformedMessageException(String message) {
        super(message);
    }
}
