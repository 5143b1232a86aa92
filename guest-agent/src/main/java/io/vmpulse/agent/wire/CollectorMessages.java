package io.vmpulse.agent.wire;

/**
 * Reads {@code vmpulse.agent.v1.CollectorMessage}, the gRPC messages the collector sends, without
 * protobuf's generated classes and without allocating (only a malformed message allocates, for its
 * exception).
 *
 * <pre>
 *   CollectorMessage   oneof body:  1 welcome (LEN) -> Welcome     { 1 last_seq    uint64 }
 *                                   2 ack     (LEN) -> Ack         { 1 seq         uint64 }
 *                                   3 set_interval (LEN) -> SetInterval { 1 interval_ms uint32 }
 * </pre>
 *
 * Parsed as protobuf-java parses it: fields in any order; unknown fields, and known field numbers
 * with an unexpected wire type, are skipped; of several oneof fields the last one on the wire wins,
 * and a repeated occurrence of the same case merges into it (so a later empty Welcome keeps the
 * earlier {@code last_seq}). A message with no known case (e.g. a case added by a newer collector)
 * is reported as {@link Handler#unknown()}, which the agent must ignore (agent.proto, rule 5).
 *
 * <p>Why not {@code com.google.protobuf.CodedInputStream}: it allocates a decoder for every array
 * it reads and cannot be reset onto the next one, and this grammar is three varints. Stateless and
 * thread-safe.
 */
public final class CollectorMessages {

    /** What the collector said; exactly one method is called per decoded message. */
    public interface Handler {
        /** The collector holds every sample up to {@code lastSeq} (unsigned; 0: none). */
        void welcome(long lastSeq);

        /** Every sample up to {@code seq} (unsigned) is stored. */
        void ack(long seq);

        /**
         * Sample every {@code intervalMsUnsigned} ms, a uint32: read it with {@link
         * Integer#toUnsignedLong}.
         */
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

    /**
     * Nesting of unknown groups skipped before giving up, as CodedInputStream's default recursion
     * limit.
     */
    private CollectorMessages() {}

    /**
     * Decodes the message in {@code b[off, off + len)} and calls {@code h} once.
     *
     * @throws MalformedMessageException when the bytes are not a protobuf message (truncated, a
     *     varint over 10 bytes, a length beyond the message, field number 0, wire type 6 or 7, an
     *     unmatched group end); {@code h} is then not called
     */
    public static void decode(byte[] b, int off, int len, Handler h)
            throws MalformedMessageException {
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException(
                    "range " + off + "+" + len + " of a " + b.length + "-byte array");
        }
        int limit = off + len;
        int bodyCase = NO_CASE;
        long value = 0;
        try {
            for (int pos = off; pos < limit; ) {
                int next = ProtoScan.varintEnd(b, pos, limit);
                int tag = ProtoScan.tag(ProtoScan.varintAt(b, pos));
                pos = next;
                if (tag == WELCOME_TAG || tag == ACK_TAG || tag == SET_INTERVAL_TAG) {
                    int fieldCase = ProtoScan.fieldNumber(tag);
                    if (fieldCase != bodyCase) {
                        bodyCase = fieldCase;
                        value = 0;
                    }
                    int end = ProtoScan.lengthDelimitedEnd(b, pos, limit);
                    value = valueField(b, ProtoScan.varintEnd(b, pos, limit), end, value);
                    pos = end;
                } else {
                    pos = ProtoScan.skip(b, pos, limit, tag, 0);
                }
            }
        } catch (MalformedMessageException e) {
            throw new MalformedMessageException("malformed CollectorMessage: " + e.getMessage());
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
    private static long valueField(byte[] b, int pos, int end, long previous)
            throws MalformedMessageException {
        long value = previous;
        while (pos < end) {
            int next = ProtoScan.varintEnd(b, pos, end);
            int tag = ProtoScan.tag(ProtoScan.varintAt(b, pos));
            pos = next;
            if (tag == VALUE_TAG) {
                next = ProtoScan.varintEnd(b, pos, end);
                value = ProtoScan.varintAt(b, pos);
                pos = next;
            } else {
                pos = ProtoScan.skip(b, pos, end, tag, 0);
            }
        }
        return value;
    }
}
