package io.vmpulse.agent.wire;

import java.nio.charset.StandardCharsets;

/**
 * Protobuf fields written front to back into a byte array the caller has sized, and the sizes to
 * size it with: the part of protobuf-java's {@code CodedOutputStream} the agent uses, byte for byte
 * (tests compare with protobuf-java's own encoding). Why not protobuf-java: its UTF-8 encoder
 * initialises streams, lambdas and reflection on first use, ~150 classes in every VM
 * (docs/benchmarks.md, "Guest agent: footprint").
 *
 * <p>Strings are UTF-8 with an unpaired surrogate written as {@code '?'}, as protobuf-java and
 * {@link String#getBytes} write them. Writing past the end throws {@link
 * ArrayIndexOutOfBoundsException}: sizes are computed first, so that is a sizing bug. Not
 * thread-safe; reusable with {@link #reset}.
 */
final class ProtoWriter {

    static final int WIRETYPE_VARINT = 0;
    static final int WIRETYPE_LENGTH_DELIMITED = 2;
    private static final long UINT32_MASK = 0xFFFF_FFFFL;

    private byte[] buf;
    private int pos;

    /** Writes into {@code buf} from {@code pos} on. */
    ProtoWriter reset(byte[] buf, int pos) {
        this.buf = buf;
        this.pos = pos;
        return this;
    }

    int position() {
        return pos;
    }

    // Sizes.

    static int varintSize(long unsigned) {
        int size = 1;
        while ((unsigned & ~(long) Varints.PAYLOAD_MASK) != 0) {
            unsigned >>>= Varints.PAYLOAD_BITS;
            size++;
        }
        return size;
    }

    static int uint32SizeNoTag(int value) {
        return varintSize(value & UINT32_MASK);
    }

    static int tagSize(int field) {
        return uint32SizeNoTag(Varints.tag(field, WIRETYPE_VARINT));
    }

    static int uint32Size(int field, int value) {
        return tagSize(field) + uint32SizeNoTag(value);
    }

    /** uint64 and int64 alike: a negative int64 takes ten bytes. */
    static int uint64Size(int field, long value) {
        return tagSize(field) + varintSize(value);
    }

    static int boolSize(int field) {
        return tagSize(field) + 1;
    }

    static int lengthDelimitedSize(int field, int length) {
        return tagSize(field) + uint32SizeNoTag(length) + length;
    }

    static int stringSize(int field, String value) {
        return lengthDelimitedSize(field, utf8Length(value));
    }

    /**
     * The length of {@code s} in UTF-8, an unpaired surrogate counting as the one byte of {@code
     * '?'}.
     */
    static int utf8Length(String s) {
        int length = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                length += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                length += 1;
            } else {
                length += 3;
            }
        }
        return length;
    }

    // Writes.

    void writeTag(int field, int wireType) {
        writeVarint(Varints.tag(field, wireType));
    }

    void writeVarint(long unsigned) {
        pos = Varints.put(unsigned, buf, pos);
    }

    void writeUInt32NoTag(int value) {
        writeVarint(value & UINT32_MASK);
    }

    void writeUInt32(int field, int value) {
        writeTag(field, WIRETYPE_VARINT);
        writeUInt32NoTag(value);
    }

    /** uint64 and int64 alike. */
    void writeUInt64(int field, long value) {
        writeTag(field, WIRETYPE_VARINT);
        writeVarint(value);
    }

    void writeBool(int field, boolean value) {
        writeTag(field, WIRETYPE_VARINT);
        buf[pos++] = (byte) (value ? 1 : 0);
    }

    void writeLengthDelimitedHeader(int field, int length) {
        writeTag(field, WIRETYPE_LENGTH_DELIMITED);
        writeUInt32NoTag(length);
    }

    void writeBytes(int field, byte[] value) {
        writeLengthDelimitedHeader(field, value.length);
        System.arraycopy(value, 0, buf, pos, value.length);
        pos += value.length;
    }

    /** Allocates the string's bytes: for the rare strings not encoded ahead (errors, the Hello). */
    void writeString(int field, String value) {
        writeBytes(field, value.getBytes(StandardCharsets.UTF_8));
    }
}
