package io.vmpulse.agent.transport;

import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 (RFC 9113) wire constants and the bytes a client sends first. All integers are big-endian.
 *
 * <p>Every frame starts with a 9-byte header (section 4.1):
 *
 * <pre>
 *     0       1       2       3       4       5       6       7       8       9
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-----------
 *   |     length (u24)      | type  | flags |R|     stream id (u31)       | payload ...
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-----------
 * </pre>
 *
 * <p>A gRPC message travels in DATA frames behind a 5-byte prefix, and may span frames:
 *
 * <pre>
 *     0       1       2       3       4       5
 *   +-------+-------+-------+-------+-------+-----------
 *   | comp. |   message length (u32)        | message ...
 *   +-------+-------+-------+-------+-------+-----------
 * </pre>
 */
final class Http2Frames {

    static final int LENGTH_OFFSET = 0;
    static final int TYPE_OFFSET = LENGTH_OFFSET + 3;
    static final int FLAGS_OFFSET = TYPE_OFFSET + 1;
    static final int STREAM_ID_OFFSET = FLAGS_OFFSET + 1;
    static final int FRAME_HEADER_LENGTH = STREAM_ID_OFFSET + Integer.BYTES;

    static final int COMPRESSED_FLAG_OFFSET = 0;
    static final int MESSAGE_LENGTH_OFFSET = COMPRESSED_FLAG_OFFSET + 1;
    static final int MESSAGE_PREFIX_LENGTH = MESSAGE_LENGTH_OFFSET + Integer.BYTES;

    static final int TYPE_DATA = 0x0;
    static final int TYPE_HEADERS = 0x1;
    static final int TYPE_PRIORITY = 0x2;
    static final int TYPE_RST_STREAM = 0x3;
    static final int TYPE_SETTINGS = 0x4;
    static final int TYPE_PUSH_PROMISE = 0x5;
    static final int TYPE_PING = 0x6;
    static final int TYPE_GOAWAY = 0x7;
    static final int TYPE_WINDOW_UPDATE = 0x8;
    static final int TYPE_CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    static final int SETTINGS_ENABLE_PUSH = 0x2;
    static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
    static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
    static final int SETTING_LENGTH = Short.BYTES + Integer.BYTES;

    static final int PING_PAYLOAD_LENGTH = 8;
    static final int WINDOW_UPDATE_PAYLOAD_LENGTH = Integer.BYTES;
    static final int RST_STREAM_PAYLOAD_LENGTH = Integer.BYTES;
    static final int PRIORITY_PAYLOAD_LENGTH = Integer.BYTES + 1;
    static final int GOAWAY_MIN_PAYLOAD_LENGTH = Integer.BYTES + Integer.BYTES;

    /** Neither side may send a frame larger than this before the other raises it; we never do. */
    static final int DEFAULT_MAX_FRAME_SIZE = 16_384;

    static final int MAX_ALLOWED_MAX_FRAME_SIZE = 16_777_215;

    /**
     * Both windows start here (section 6.9.2); the connection window is changed only by
     * WINDOW_UPDATE.
     */
    static final int DEFAULT_WINDOW = 65_535;

    static final int MAX_WINDOW = Integer.MAX_VALUE;

    /**
     * No dynamic table for the collector's response headers and trailers: a call has one of each,
     * so indexing saves nothing, while the collector's encoder would keep its entries for the life
     * of every guest's connection (about 1 KiB each, thousands of guests). Advertised in the first
     * SETTINGS, which the collector reads before our HEADERS, so its first header block already
     * holds to it.
     */
    static final int HEADER_TABLE_SIZE = 0;

    /** The only stream: a connection carries exactly one call. */
    static final int STREAM_ID = 1;

    private static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** HPACK static table indexes (RFC 7541 Appendix A) used by the request header block. */
    private static final int INDEXED = 0x80;

    private static final int STATIC_AUTHORITY = 1;
    private static final int STATIC_METHOD_POST = 3;
    private static final int STATIC_PATH = 4;
    private static final int STATIC_SCHEME_HTTP = 6;
    private static final int STATIC_CONTENT_TYPE = 31;
    private static final int STATIC_USER_AGENT = 58;

    /** "Literal header field without indexing" has a 4-bit index prefix; 0 means a literal name. */
    private static final int LITERAL_NAME_INDEX_BITS = 4;

    private static final int STRING_LENGTH_BITS = 7;

    private Http2Frames() {}

    static void putFrameHeader(byte[] b, int at, int length, int type, int flags, int streamId) {
        b[at + LENGTH_OFFSET] = (byte) (length >>> 16);
        b[at + LENGTH_OFFSET + 1] = (byte) (length >>> 8);
        b[at + LENGTH_OFFSET + 2] = (byte) length;
        b[at + TYPE_OFFSET] = (byte) type;
        b[at + FLAGS_OFFSET] = (byte) flags;
        putInt(b, at + STREAM_ID_OFFSET, streamId);
    }

    static void putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24
                | (b[at + 1] & 0xFF) << 16
                | (b[at + 2] & 0xFF) << 8
                | (b[at + 3] & 0xFF);
    }

    static int getLength(byte[] b, int at) {
        return (b[at + LENGTH_OFFSET] & 0xFF) << 16
                | (b[at + LENGTH_OFFSET + 1] & 0xFF) << 8
                | (b[at + LENGTH_OFFSET + 2] & 0xFF);
    }

    /**
     * Everything the client says before its first message, as one write: preface, SETTINGS, a
     * connection WINDOW_UPDATE raising the connection window to {@code receiveWindow}, and HEADERS
     * opening stream 1. The header block uses static-table names and literal values, never the
     * dynamic table nor Huffman, so it needs no encoder state.
     */
    static byte[] clientStart(
            String authority,
            String path,
            String userAgent,
            int receiveWindow,
            int maxHeaderListSize) {
        byte[] block = new byte[DEFAULT_MAX_FRAME_SIZE];
        int n = 0;
        block[n++] = (byte) (INDEXED | STATIC_METHOD_POST);
        block[n++] = (byte) (INDEXED | STATIC_SCHEME_HTTP);
        n = literal(block, n, STATIC_PATH, null, "path", path);
        n = literal(block, n, STATIC_AUTHORITY, null, "authority", authority);
        n = literal(block, n, STATIC_CONTENT_TYPE, null, "content-type", "application/grpc");
        n = literal(block, n, 0, "te", "te", "trailers");
        n = literal(block, n, STATIC_USER_AGENT, null, "user-agent", userAgent);

        int settingsLength = 4 * SETTING_LENGTH;
        byte[] out =
                new byte
                        [PREFACE.length
                                + FRAME_HEADER_LENGTH
                                + settingsLength
                                + FRAME_HEADER_LENGTH
                                + WINDOW_UPDATE_PAYLOAD_LENGTH
                                + FRAME_HEADER_LENGTH
                                + n];
        int at = 0;
        System.arraycopy(PREFACE, 0, out, at, PREFACE.length);
        at += PREFACE.length;
        putFrameHeader(out, at, settingsLength, TYPE_SETTINGS, 0, 0);
        at += FRAME_HEADER_LENGTH;
        at = putSetting(out, at, SETTINGS_HEADER_TABLE_SIZE, HEADER_TABLE_SIZE);
        at = putSetting(out, at, SETTINGS_ENABLE_PUSH, 0);
        at = putSetting(out, at, SETTINGS_INITIAL_WINDOW_SIZE, receiveWindow);
        at = putSetting(out, at, SETTINGS_MAX_HEADER_LIST_SIZE, maxHeaderListSize);
        putFrameHeader(out, at, WINDOW_UPDATE_PAYLOAD_LENGTH, TYPE_WINDOW_UPDATE, 0, 0);
        putInt(out, at + FRAME_HEADER_LENGTH, receiveWindow - DEFAULT_WINDOW);
        at += FRAME_HEADER_LENGTH + WINDOW_UPDATE_PAYLOAD_LENGTH;
        putFrameHeader(out, at, n, TYPE_HEADERS, FLAG_END_HEADERS, STREAM_ID);
        System.arraycopy(block, 0, out, at + FRAME_HEADER_LENGTH, n);
        return out;
    }

    private static int putSetting(byte[] b, int at, int id, int value) {
        b[at] = (byte) (id >>> 8);
        b[at + 1] = (byte) id;
        putInt(b, at + Short.BYTES, value);
        return at + SETTING_LENGTH;
    }

    /**
     * "Literal header field without indexing", with a static name index or, if 0, a literal name.
     */
    private static int literal(
            byte[] b, int n, int nameIndex, String name, String what, String value) {
        n = putInt(b, n, LITERAL_NAME_INDEX_BITS, 0, nameIndex);
        if (nameIndex == 0) {
            n = putString(b, n, what, name);
        }
        return putString(b, n, what, value);
    }

    private static int putString(byte[] b, int n, String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException(
                        "request "
                                + what
                                + " '"
                                + s
                                + "' holds a character that is not printable ASCII at index "
                                + i);
            }
        }
        if (n + 5 + s.length() > b.length) {
            throw new IllegalArgumentException(
                    "request "
                            + what
                            + " is too long for one HEADERS frame: "
                            + s.length()
                            + " characters");
        }
        n = putInt(b, n, STRING_LENGTH_BITS, 0, s.length());
        for (int i = 0; i < s.length(); i++) {
            b[n++] = (byte) s.charAt(i);
        }
        return n;
    }

    /** RFC 7541 section 5.1 integer with a {@code prefixBits}-bit prefix after {@code highBits}. */
    private static int putInt(byte[] b, int n, int prefixBits, int highBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            b[n++] = (byte) (highBits | value);
            return n;
        }
        b[n++] = (byte) (highBits | max);
        value -= max;
        while (value >= 0x80) {
            b[n++] = (byte) (value & 0x7F | 0x80);
            value >>>= 7;
        }
        b[n++] = (byte) value;
        return n;
    }
}
