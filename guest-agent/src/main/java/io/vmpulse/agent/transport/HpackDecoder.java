package io.vmpulse.agent.transport;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HPACK (RFC 7541) header block decoder for what the collector sends us: response headers and
 * trailers. Names and values are handed to a {@link HeaderSink} as ISO-8859-1 Strings, one char per
 * octet, so that no byte is lost before the caller interprets it; allocation is fine here because
 * headers come once or twice per call.
 *
 * <p>The first octet of each field representation (section 6):
 *
 * <pre>
 *   1xxxxxxx  indexed field                       7-bit index
 *   01xxxxxx  literal, incremental indexing       6-bit name index (0: literal name follows)
 *   001xxxxx  dynamic table size update           5-bit new maximum size
 *   0001xxxx  literal, never indexed              4-bit name index (0: literal name follows)
 *   0000xxxx  literal, without indexing           4-bit name index (0: literal name follows)
 *
 *   string literal:  H (1 bit: Huffman-coded) | 7-bit prefix length | octets
 * </pre>
 *
 * <p>The peer is trusted less than we would like, so everything is bounded: integers to 2^31 - 1,
 * strings and the decoded header list to {@code maxHeaderListSize} (counted as in RFC 9113: name +
 * value + 32 per field), and the dynamic table to the size we advertised. Any violation throws an
 * {@link Http2Exception} with COMPRESSION_ERROR, after which the connection is unusable.
 */
final class HpackDecoder {

    /** Called once per decoded field, in order. */
    interface HeaderSink {
        void header(String name, String value) throws Http2Exception;
    }

    /** RFC 7541 section 4.1: each entry costs its name and value lengths plus this. */
    static final int ENTRY_OVERHEAD = 32;

    private static final int INDEXED = 0x80;
    private static final int LITERAL_INCREMENTAL = 0x40;
    private static final int SIZE_UPDATE = 0x20;
    private static final int LITERAL_NEVER_INDEXED = 0x10;
    private static final int HUFFMAN = 0x80;

    private static final String[] STATIC_NAMES = {
        ":authority",
        ":method",
        ":method",
        ":path",
        ":path",
        ":scheme",
        ":scheme",
        ":status",
        ":status",
        ":status",
        ":status",
        ":status",
        ":status",
        ":status",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "accept-ranges",
        "accept",
        "access-control-allow-origin",
        "age",
        "allow",
        "authorization",
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-range",
        "content-type",
        "cookie",
        "date",
        "etag",
        "expect",
        "expires",
        "from",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "last-modified",
        "link",
        "location",
        "max-forwards",
        "proxy-authenticate",
        "proxy-authorization",
        "range",
        "referer",
        "refresh",
        "retry-after",
        "server",
        "set-cookie",
        "strict-transport-security",
        "transfer-encoding",
        "user-agent",
        "vary",
        "via",
        "www-authenticate",
    };
    private static final String[] STATIC_VALUES = new String[STATIC_NAMES.length];

    static {
        Arrays.fill(STATIC_VALUES, "");
        STATIC_VALUES[1] = "GET";
        STATIC_VALUES[2] = "POST";
        STATIC_VALUES[3] = "/";
        STATIC_VALUES[4] = "/index.html";
        STATIC_VALUES[5] = "http";
        STATIC_VALUES[6] = "https";
        STATIC_VALUES[7] = "200";
        STATIC_VALUES[8] = "204";
        STATIC_VALUES[9] = "206";
        STATIC_VALUES[10] = "304";
        STATIC_VALUES[11] = "400";
        STATIC_VALUES[12] = "404";
        STATIC_VALUES[13] = "500";
        STATIC_VALUES[15] = "gzip, deflate";
    }

    static final int STATIC_TABLE_LENGTH = STATIC_NAMES.length;

    /** What we advertised in SETTINGS_HEADER_TABLE_SIZE: the peer may not use more. */
    private final int tableSizeLimit;

    private final int maxHeaderListSize;

    /**
     * Dynamic table as a ring, newest entry at {@link #head}; it can hold at most limit/32 entries.
     */
    private final String[] names;

    private final String[] values;
    private int head;
    private int length;
    private int tableSize;
    private int maxTableSize;

    /** Scratch for one string literal, Huffman-decoded or not. */
    private final byte[] stringBuffer;

    private byte[] in;
    private int pos;
    private int end;

    HpackDecoder(int tableSizeLimit, int maxHeaderListSize) {
        this.tableSizeLimit = tableSizeLimit;
        this.maxTableSize = tableSizeLimit;
        this.maxHeaderListSize = maxHeaderListSize;
        int capacity = tableSizeLimit / ENTRY_OVERHEAD + 1;
        this.names = new String[capacity];
        this.values = new String[capacity];
        this.stringBuffer = new byte[maxHeaderListSize];
    }

    /** Decodes one complete header block (all its HEADERS and CONTINUATION fragments joined). */
    void decode(byte[] block, int off, int len, HeaderSink sink) throws Http2Exception {
        in = block;
        pos = off;
        end = off + len;
        long listSize = 0;
        boolean fieldSeen = false;
        while (pos < end) {
            int first = in[pos] & 0xFF;
            String name;
            String value;
            if ((first & INDEXED) != 0) {
                int index = readInt(7);
                if (index == 0) {
                    throw Http2Exception.compression("HPACK indexed field with index 0");
                }
                name = name(index);
                value = value(index);
            } else if ((first & LITERAL_INCREMENTAL) != 0) {
                int index = readInt(6);
                name = index == 0 ? readString() : name(index);
                value = readString();
                add(name, value);
            } else if ((first & SIZE_UPDATE) != 0) {
                // Section 4.2: only at the start of a block, before any field.
                if (fieldSeen) {
                    throw Http2Exception.compression(
                            "HPACK dynamic table size update after a header field");
                }
                int size = readInt(5);
                if (size > tableSizeLimit) {
                    throw Http2Exception.compression(
                            "HPACK dynamic table size update to "
                                    + size
                                    + " exceeds the advertised "
                                    + tableSizeLimit);
                }
                maxTableSize = size;
                evictTo(size);
                continue;
            } else {
                // Never-indexed and without-indexing differ only for intermediaries that re-encode.
                int index = readInt(4);
                name = index == 0 ? readString() : name(index);
                value = readString();
            }
            fieldSeen = true;
            listSize += name.length() + value.length() + ENTRY_OVERHEAD;
            if (listSize > maxHeaderListSize) {
                throw Http2Exception.compression(
                        "HPACK header list exceeds " + maxHeaderListSize + " bytes");
            }
            sink.header(name, value);
        }
        in = null;
    }

    int tableSize() {
        return tableSize;
    }

    int tableLength() {
        return length;
    }

    /** Dynamic table entry as "name: value"; {@code index} 1 is the newest. For tests. */
    String tableEntry(int index) {
        int slot = slot(index);
        return names[slot] + ": " + values[slot];
    }

    /** Section 5.1, with a continuation limited so that the value stays below 2^31. */
    private int readInt(int prefixBits) throws Http2Exception {
        int mask = (1 << prefixBits) - 1;
        int value = in[pos++] & mask;
        if (value < mask) {
            return value;
        }
        long total = value;
        int shift = 0;
        while (true) {
            if (pos == end) {
                throw Http2Exception.compression(
                        "HPACK integer is truncated at the end of the header block");
            }
            int octet = in[pos++] & 0xFF;
            total += (long) (octet & 0x7F) << shift;
            if (total > Integer.MAX_VALUE) {
                throw Http2Exception.compression("HPACK integer exceeds 2^31 - 1");
            }
            if ((octet & 0x80) == 0) {
                return (int) total;
            }
            shift += 7;
            if (shift > 28) {
                throw Http2Exception.compression("HPACK integer has too many continuation octets");
            }
        }
    }

    private String readString() throws Http2Exception {
        if (pos == end) {
            throw Http2Exception.compression(
                    "HPACK string literal is missing at the end of the header block");
        }
        boolean huffman = (in[pos] & HUFFMAN) != 0;
        int length = readInt(7);
        if (length > maxHeaderListSize) {
            throw Http2Exception.compression(
                    "HPACK string literal of "
                            + length
                            + " bytes exceeds the limit of "
                            + maxHeaderListSize);
        }
        if (length > end - pos) {
            throw Http2Exception.compression(
                    "HPACK string literal of "
                            + length
                            + " bytes is truncated: "
                            + (end - pos)
                            + " remain in the header block");
        }
        String s;
        if (huffman) {
            int decoded = Huffman.decode(in, pos, length, stringBuffer);
            s = new String(stringBuffer, 0, decoded, StandardCharsets.ISO_8859_1);
        } else {
            s = new String(in, pos, length, StandardCharsets.ISO_8859_1);
        }
        pos += length;
        return s;
    }

    private String name(int index) throws Http2Exception {
        return index <= STATIC_TABLE_LENGTH
                ? STATIC_NAMES[index - 1]
                : names[slot(checkDynamic(index))];
    }

    private String value(int index) throws Http2Exception {
        return index <= STATIC_TABLE_LENGTH
                ? STATIC_VALUES[index - 1]
                : values[slot(checkDynamic(index))];
    }

    private int checkDynamic(int index) throws Http2Exception {
        int dynamicIndex = index - STATIC_TABLE_LENGTH;
        if (dynamicIndex > length) {
            throw Http2Exception.compression(
                    "HPACK index "
                            + index
                            + " is out of range: the tables hold "
                            + (STATIC_TABLE_LENGTH + length)
                            + " entries");
        }
        return dynamicIndex;
    }

    private int slot(int dynamicIndex) {
        return Math.floorMod(head - (dynamicIndex - 1), names.length);
    }

    /** Section 4.4: an entry larger than the whole table empties it and is not added. */
    private void add(String name, String value) {
        int size = name.length() + value.length() + ENTRY_OVERHEAD;
        evictTo(maxTableSize - size);
        if (size > maxTableSize) {
            return;
        }
        head = (head + 1) % names.length;
        names[head] = name;
        values[head] = value;
        length++;
        tableSize += size;
    }

    private void evictTo(int size) {
        while (length > 0 && tableSize > Math.max(size, 0)) {
            int oldest = slot(length);
            tableSize -= names[oldest].length() + values[oldest].length() + ENTRY_OVERHEAD;
            names[oldest] = null;
            values[oldest] = null;
            length--;
        }
    }
}
