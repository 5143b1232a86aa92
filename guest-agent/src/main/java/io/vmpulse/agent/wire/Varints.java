package io.vmpulse.agent.wire;

/**
 * Protobuf tags and base-128 varints written straight into a byte array: the few bytes of framing
 * around an already encoded message, and the varints of {@link ProtoWriter}.
 */
final class Varints {

    /**
     * Low bits of a tag that hold the wire type ({@code WireFormat.TAG_TYPE_BITS}, package-private
     * there).
     */
    static final int TAG_TYPE_BITS = 3;

    static final int PAYLOAD_BITS = 7;
    static final int PAYLOAD_MASK = (1 << PAYLOAD_BITS) - 1;
    static final int CONTINUATION = 1 << PAYLOAD_BITS;

    private Varints() {}

    /**
     * The tag of field {@code number} with {@code wireType}, as {@code WireFormat.makeTag} makes
     * it.
     */
    static int tag(int number, int wireType) {
        return number << TAG_TYPE_BITS | wireType;
    }

    static int lengthDelimitedTag(int number) {
        return tag(number, ProtoWriter.WIRETYPE_LENGTH_DELIMITED);
    }

    static int varintTag(int number) {
        return tag(number, ProtoWriter.WIRETYPE_VARINT);
    }

    /** Writes {@code value} as an unsigned varint at {@code pos}; returns the position after it. */
    static int put(long value, byte[] out, int pos) {
        while ((value & ~(long) PAYLOAD_MASK) != 0) {
            out[pos++] = (byte) (value & PAYLOAD_MASK | CONTINUATION);
            value >>>= PAYLOAD_BITS;
        }
        out[pos++] = (byte) value;
        return pos;
    }
}
