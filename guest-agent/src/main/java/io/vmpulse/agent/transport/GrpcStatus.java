package io.vmpulse.agent.transport;

/**
 * How a call ended: a gRPC status code (the numbers of {@code grpc/status.proto}) and a message,
 * either from the server's trailers or made up locally when the connection failed.
 */
public final class GrpcStatus {

    public static final int OK = 0;
    public static final int CANCELLED = 1;
    public static final int UNKNOWN = 2;
    public static final int INVALID_ARGUMENT = 3;
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int NOT_FOUND = 5;
    public static final int ALREADY_EXISTS = 6;
    public static final int PERMISSION_DENIED = 7;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int FAILED_PRECONDITION = 9;
    public static final int ABORTED = 10;
    public static final int OUT_OF_RANGE = 11;
    public static final int UNIMPLEMENTED = 12;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    public static final int DATA_LOSS = 15;
    public static final int UNAUTHENTICATED = 16;

    private static final String[] NAMES = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    };

    private final int code;
    private final String message;

    public GrpcStatus(int code, String message) {
        this.code = code;
        this.message = message == null ? "" : message;
    }

    public int code() {
        return code;
    }

    /** Empty when the server sent none. */
    public String message() {
        return message;
    }

    /** "UNAVAILABLE", or "CODE_42" for a code this client does not know. */
    public String name() {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "CODE_" + code;
    }

    public boolean isOk() {
        return code == OK;
    }

    @Override
    public String toString() {
        return message.isEmpty() ? name() : name() + ": " + message;
    }
}
