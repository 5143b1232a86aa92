package io.vmpulse.agent.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

/**
 * Reads {@code vmpulse.agent.v1.CollectorMessage}, the gRPC messages the collector sends, without
 * protobuf's generated classes and without allocating (only a malformed message allocates, for
 * its exception).
 * <pre>
 *   CollectorMessage   oneof body:  1 welcome (LEN) -> Welcome     { 1 last_seq    uint64 }
 *                                   2 ack     (LEN) -> Ack         { 1 seq         uint64 }
 *                                   3 set_interval (LEN) -> SetInterval { 1 interval_ms uint32 }
 * </pre>
 * Parsed as protobuf-java parses it: fields in any order; unknown fields, and known field numbers
 * with an unexpected wire type, are skipped; of several oneof fields the last one on the wire wins,
 * and a repeated occurrence of the same case merges into it (so a later empty Welcome keeps the
 * earlier {@code last_seq}). A message with no known case (e.g. a case added by a newer collector)
 * is reported as {@link Handler#unknown()}, which the agent must ignore (agent.proto, rule 5).
 *
 * <p>Why not {@link com.google.protobuf.CodedInputStream}: it allocates a decoder for every array it
 * reads and cannot be reset onto the next one, and this grammar is three varints.
 * Stateless and thread-safe.
 */
public final class CollectorMessages {

    /** What the collector said; exactly one method is called per decoded message. */
    public interface Handler {
        /** The collector holds every sample up to {@code lastSeq} (unsigned; 0: none). */
        void welcome(long lastSeq);

        /** Every sample up to {@code seq} (unsigned) is stored. */
        void ack(long seq);

        /** Sample every {@code intervalMsUnsigned} ms, a uint32: read it with {@link Integer#toUnsignedLong}. */
        void setInterval(int intervalMsUnsigned);

        /** A message with no body this agent knows. */
        void unknown();
    }

    static final int COLLECTOR_WELCOME = 1;
    static final int COLLECTOR_ACK = 2;
    static final int COLLECTOR_SET_INTERVAL = 3;
    static final int WELCOME_TAG = Varints.lengthDelimitedTag(COLLECTOR_WELCOME);
    static final int ACK_TAG = Varints.lengthDelimitedTag(COLLECTOR_ACK);
    static final int SET_INTERVAL_TAG = Varints.lengthDelimitedTag(COLLECTOR_SET_INTERVAL);
    /** Welcome.last_seq, Ack.seq and SetInterval.interval_ms are each field 1, a varint. */
    static final int VALUE_TAG = Varints.varintTag(1);
    static final int NO_CASE = 0;
    /** Nesting of unknown groups skipped before giving up, as CodedInputStream's default recursion limit. */
    static final int MAX_GROUP_DEPTH = 100;
    static final int MAX_VARINT_BYTES = 10;

    private CollectorMessages() {
    }

    /**
     * Decodes the message in {@code b[off, off + len)} and calls {@code h} once.
     *
     * @throws InvalidProtocolBufferException when the bytes are not a protobuf message (truncated,
     *         a varint over 10 bytes, a length beyond the message, field number 0, wire type 6 or 7,
     *         an unmatched group end); {@code h} is then not called
     */
    public static void decode(byte[] b, int off, int len, Handler h) throws InvalidProtocolBufferException {
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " of a " + b.length + "-byte array");
        }
        int limit = off + len;
        int bodyCase = NO_CASE;
        long value = 0;
        for (int pos = off; pos < limit; ) {
            int next = varintEnd(b, pos, limit);
            int tag = tag(varintAt(b, pos));
            pos = next;
            if (tag == WELCOME_TAG || tag == ACK_TAG || tag == SET_INTERVAL_TAG) {
                int fieldCase = WireFormat.getTagFieldNumber(tag);
                if (fieldCase != bodyCase) {
                    bodyCase = fieldCase;
                    value = 0;
                }
                int end = lengthDelimitedEnd(b, pos, limit);
                value = valueField(b, varintEnd(b, pos, limit), end, value);
                pos = end;
            } else {
                pos = skip(b, pos, limit, tag, 0);
            }
        }
        switch (bodyCase) {
            case COLLECTOR_WELCOME -> h.welcome(value);
            case COLLECTOR_ACK -> h.ack(value);
            case COLLECTOR_SET_INTERVAL -> h.setInterval((int) value);
            default -> h.unknown();
        }
    }

    /*
     * Positions are passed and returned as ints rather than kept in a cursor object, which would be
     * an allocation per message wherever the JIT could not prove it does not escape. A varint is
     * therefore scanned twice, once for its end and once for its value: a few bytes.
     */

    /**
     * Field 1 of the Welcome, Ack or SetInterval in {@code b[pos, end)}, or {@code previous} when
     * absent (a repeated case merges into the earlier one).
     */
    private static long valueField(byte[] b, int pos, int end, long previous) throws InvalidProtocolBufferException {
        long value = previous;
        while (pos < end) {
            int next = varintEnd(b, pos, end);
            int tag = tag(varintAt(b, pos));
            pos = next;
            if (tag == VALUE_TAG) {
                next = varintEnd(b, pos, end);
                value = varintAt(b, pos);
                pos = next;
            } else {
                pos = skip(b, pos, end, tag, 0);
            }
        }
        return value;
    }

    /** Skips the value of a field with {@code tag} at {@code pos}; returns the position after it. */
    private static int skip(byte[] b, int pos, int limit, int tag, int depth) throws InvalidProtocolBufferException {
        return switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> varintEnd(b, pos, limit);
            case WireFormat.WIRETYPE_FIXED64 -> fixedEnd(pos, limit, Long.BYTES);
            case WireFormat.WIRETYPE_FIXED32 -> fixedEnd(pos, limit, Integer.BYTES);
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> lengthDelimitedEnd(b, pos, limit);
            case WireFormat.WIRETYPE_START_GROUP -> groupEnd(b, pos, limit, WireFormat.getTagFieldNumber(tag), depth + 1);
            case WireFormat.WIRETYPE_END_GROUP -> throw malformed("group end without a group start");
            default -> throw malformed("invalid wire type " + WireFormat.getTagWireType(tag));
        };
    }

    private static int groupEnd(byte[] b, int pos, int limit, int number, int depth)
            throws InvalidProtocolBufferException {
        if (depth > MAX_GROUP_DEPTH) {
            throw malformed("groups nested deeper than " + MAX_GROUP_DEPTH);
        }
        int endTag = Varints.tag(number, WireFormat.WIRETYPE_END_GROUP);
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
    private static int lengthDelimitedEnd(byte[] b, int pos, int limit) throws InvalidProtocolBufferException {
        int start = varintEnd(b, pos, limit);
        long length = varintAt(b, pos);
        if (length < 0 || length > limit - start) {
            throw malformed("length " + Long.toUnsignedString(length) + " exceeds the " + (limit - start)
                    + " bytes left");
        }
        return start + (int) length;
    }

    private static int fixedEnd(int pos, int limit, int size) throws InvalidProtocolBufferException {
        if (size > limit - pos) {
            throw malformed("truncated: " + size + " bytes needed, " + (limit - pos) + " left");
        }
        return pos + size;
    }

    private static int tag(long tag) throws InvalidProtocolBufferException {
        if (tag >>> Varints.TAG_TYPE_BITS == 0 || tag > Integer.MAX_VALUE) {
            throw malformed("invalid tag " + Long.toUnsignedString(tag));
        }
        return (int) tag;
    }

    /** The position after the varint at {@code pos}, which must end before {@code limit} within 10 bytes. */
    private static int varintEnd(byte[] b, int pos, int limit) throws InvalidProtocolBufferException {
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
    private static long varintAt(byte[] b, int pos) {
        long value = 0;
        for (int shift = 0; ; shift += Varints.PAYLOAD_BITS) {
            byte next = b[pos++];
            value |= (long) (next & Varints.PAYLOAD_MASK) << shift;
            if ((next & Varints.CONTINUATION) == 0) {
                return value;
            }
        }
    }

    private static InvalidProtocolBufferException malformed(String why) {
        return new InvalidProtocolBufferException("malformed CollectorMessage: " + why);
    }
}
