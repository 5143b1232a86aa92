package io.vmpulse.agent.wire;

/**
 * Reading protobuf in place, positions passed and returned as ints: a field's tag and varint, and
 * skipping a value of any wire type, each checked against the end of the message. For {@link
 * CollectorMessages} (what the untrusted collector side may send) and {@link SampleJson}. A
 * malformed message throws {@link MalformedMessageException} saying what is wrong.
 */
final class ProtoScan {

    static final int MAX_GROUP_DEPTH = 100;
    static final int MAX_VARINT_BYTES = 10;
    static final int WIRETYPE_FIXED64 = 1;
    static final int WIRETYPE_START_GROUP = 3;
    static final int WIRETYPE_END_GROUP = 4;
    static final int WIRETYPE_FIXED32 = 5;
    static final int WIRE_TYPE_MASK = (1 << Varints.TAG_TYPE_BITS) - 1;

    private ProtoScan() {}

    static int fieldNumber(int tag) {
        return tag >>> Varints.TAG_TYPE_BITS;
    }

    static int wireType(int tag) {
        return tag & WIRE_TYPE_MASK;
    }

    /**
     * Skips the value of a field with {@code tag} at {@code pos}; returns the position after it.
     */
    static int skip(byte[] b, int pos, int limit, int tag, int depth)
            throws MalformedMessageException {
        return switch (wireType(tag)) {
            case ProtoWriter.WIRETYPE_VARINT -> varintEnd(b, pos, limit);
            case WIRETYPE_FIXED64 -> fixedEnd(pos, limit, Long.BYTES);
            case WIRETYPE_FIXED32 -> fixedEnd(pos, limit, Integer.BYTES);
            case ProtoWriter.WIRETYPE_LENGTH_DELIMITED -> lengthDelimitedEnd(b, pos, limit);
            case WIRETYPE_START_GROUP -> groupEnd(b, pos, limit, fieldNumber(tag), depth + 1);
            case WIRETYPE_END_GROUP -> throw malformed("group end without a group start");
            default -> throw malformed("invalid wire type " + wireType(tag));
        };
    }

    static int groupEnd(byte[] b, int pos, int limit, int number, int depth)
            throws MalformedMessageException {
        if (depth > MAX_GROUP_DEPTH) {
            throw malformed("groups nested deeper than " + MAX_GROUP_DEPTH);
        }
        int endTag = Varints.tag(number, WIRETYPE_END_GROUP);
        while (true) {
            int next = varintEnd(b, pos, limit);
            int tag = tag(varintAt(b, pos));
            pos = next;
            if (tag == endTag) {
                return pos;
            }
            pos = skip(b, pos, limit, tag, depth);
        }
    }

    /** The end of the length-delimited value whose length varint is at {@code pos}. */
    static int lengthDelimitedEnd(byte[] b, int pos, int limit) throws MalformedMessageException {
        int start = varintEnd(b, pos, limit);
        long length = varintAt(b, pos);
        if (length < 0 || length > limit - start) {
            throw malformed(
                    "length "
                            + Long.toUnsignedString(length)
                            + " exceeds the "
                            + (limit - start)
                            + " bytes left");
        }
        return start + (int) length;
    }

    static int fixedEnd(int pos, int limit, int size) throws MalformedMessageException {
        if (size > limit - pos) {
            throw malformed("truncated: " + size + " bytes needed, " + (limit - pos) + " left");
        }
        return pos + size;
    }

    static int tag(long tag) throws MalformedMessageException {
        if (tag >>> Varints.TAG_TYPE_BITS == 0 || tag > Integer.MAX_VALUE) {
            throw malformed("invalid tag " + Long.toUnsignedString(tag));
        }
        return (int) tag;
    }

    /**
     * The position after the varint at {@code pos}, which must end before {@code limit} within 10
     * bytes.
     */
    static int varintEnd(byte[] b, int pos, int limit) throws MalformedMessageException {
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            if (pos >= limit) {
                throw malformed("truncated in a varint");
            }
            if ((b[pos++] & Varints.CONTINUATION) == 0) {
                return pos;
            }
        }
        throw malformed("varint longer than " + MAX_VARINT_BYTES + " bytes");
    }

    /** The value of the varint at {@code pos}, which {@link #varintEnd} has checked. */
    static long varintAt(byte[] b, int pos) {
        long value = 0;
        for (int shift = 0; ; shift += Varints.PAYLOAD_BITS) {
            byte next = b[pos++];
            value |= (long) (next & Varints.PAYLOAD_MASK) << shift;
            if ((next & Varints.CONTINUATION) == 0) {
                return value;
            }
        }
    }

    private static MalformedMessageException malformed(String why) {
        return new MalformedMessageException(why);
    }
}
