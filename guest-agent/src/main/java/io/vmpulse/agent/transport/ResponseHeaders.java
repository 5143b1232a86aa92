package io.vmpulse.agent.transport;

import java.nio.charset.StandardCharsets;

/**
 * The four response headers a call looks at, and what they say about how it ended; everything else
 * is dropped. One instance per call, cleared before each header block, so decoding allocates only
 * the Strings HPACK hands over.
 */
final class ResponseHeaders implements HpackDecoder.HeaderSink {

    private static final String GRPC_CONTENT_TYPE = "application/grpc";

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

    /**
     * Judges the first header block: null if the response may go on, else how the call ends. {@code
     * endsStream} marks a trailers-only response, which carries no content-type to check.
     */
    GrpcStatus responseStatus(Object peer, boolean endsStream) {
        if (!"200".equals(status)) {
            // The HTTP status only stands in for a grpc-status that an intermediary did not send
            // (gRPC's doc/http-grpc-status-mapping.md): one that is there must be used.
            if (grpcStatus != null) {
                return trailersStatus(peer);
            }
            return new GrpcStatus(
                    httpStatusToCode(status), peer + " answered with HTTP status " + status);
        }
        if (endsStream) {
            return trailersStatus(peer);
        }
        if (!isGrpcContentType(contentType)) {
            return new GrpcStatus(
                    GrpcStatus.UNKNOWN,
                    peer
                            + " answered with content-type '"
                            + contentType
                            + "', not "
                            + GRPC_CONTENT_TYPE);
        }
        return null;
    }

    /** The status that trailers (or a trailers-only response) carry. */
    GrpcStatus trailersStatus(Object peer) {
        if (grpcStatus == null) {
            return new GrpcStatus(GrpcStatus.UNKNOWN, peer + " ended the call without grpc-status");
        }
        int code;
        try {
            code = Integer.parseInt(grpcStatus);
        } catch (NumberFormatException e) {
            return new GrpcStatus(
                    GrpcStatus.UNKNOWN, peer + " sent grpc-status '" + grpcStatus + "'");
        }
        return new GrpcStatus(code, grpcMessage == null ? "" : percentDecode(grpcMessage));
    }

    /** "application/grpc" alone or with a "+proto"-style suffix or parameters. */
    private static boolean isGrpcContentType(String contentType) {
        if (contentType == null || !contentType.startsWith(GRPC_CONTENT_TYPE)) {
            return false;
        }
        int rest = GRPC_CONTENT_TYPE.length();
        return contentType.length() == rest
                || contentType.charAt(rest) == '+'
                || contentType.charAt(rest) == ';';
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
}
