package io.vmpulse.agent.wire;

import io.vmpulse.agent.sample.GuestIdentity;

/**
 * Writes the bodies of the gRPC messages the agent sends, {@code vmpulse.agent.v1.AgentMessage},
 * without protobuf's generated classes.
 *
 * <p>A sample message wraps the bytes of a {@link SampleBuffer}. Two of its fields are known only
 * when the sample is sent: {@code seq}, which the buffer numbers from 1 in this agent process while
 * the wire numbers on from what the collector already holds of this guest boot (see the report
 * package's CollectorLink), and {@code dropped_before}. The buffer's own field 1 is skipped and the
 * wire seq written in its place; {@code dropped_before} is appended inside the Sample (protobuf
 * reads fields in any order, and 8 is Sample's highest field, so the bytes are still in canonical
 * field order):
 *
 * <pre>
 *   AgentMessage: | 0x12 | varint len       | 0x08 | varint seq | Sample bytes (fields 2..7) | 0x40 | varint dropped_before |
 *                  tag 2   covers everything   tag 1   wire seq    from SampleBuffer, past     tag 8   only when > 0
 *                  LEN     to the right                            its own field 1
 * </pre>
 *
 * {@link #writeSample} allocates nothing; {@link #hello} allocates its result, once per connection.
 * Stateless and thread-safe.
 */
public final class AgentMessages {

    static final int AGENT_HELLO = 1;
    static final int AGENT_SAMPLE = 2;
    static final int AGENT_SAMPLE_TAG = Varints.lengthDelimitedTag(AGENT_SAMPLE);
    static final int SAMPLE_SEQ = SampleEncoder.SAMPLE_SEQ;
    static final int SAMPLE_SEQ_TAG = Varints.varintTag(SAMPLE_SEQ);

    /** The widest seq field: a full ten-byte varint after its tag. */
    static final int MAX_SEQ_FIELD_LENGTH = ProtoWriter.uint64Size(SAMPLE_SEQ, -1L);

    static final int SAMPLE_DROPPED_BEFORE = 8;
    static final int SAMPLE_DROPPED_BEFORE_TAG = Varints.varintTag(SAMPLE_DROPPED_BEFORE);

    /** {@code dropped_before} is a uint32: larger counts are reported as this. */
    static final long MAX_DROPPED_BEFORE = 0xFFFF_FFFFL;

    static final int MAX_DROPPED_BEFORE_FIELD_LENGTH =
            ProtoWriter.uint32Size(SAMPLE_DROPPED_BEFORE, (int) MAX_DROPPED_BEFORE);

    /** The largest {@link #writeSample} output for any sample: size a send buffer with it once. */
    public static final int MAX_SAMPLE_MESSAGE_LENGTH =
            sampleMessageLength(
                    SampleBuffer.MAX_LENGTH
                            + MAX_SEQ_FIELD_LENGTH
                            + MAX_DROPPED_BEFORE_FIELD_LENGTH);

    static final int HELLO_AGENT_NAME = 1;
    static final int HELLO_AGENT_VERSION = 2;
    static final int HELLO_BOOT_ID = 3;
    static final int HELLO_KERNEL_RELEASE = 4;
    static final int HELLO_AGENT_INSTANCE = 5;
    static final int HELLO_INTERVAL_MS = 6;
    static final int HELLO_USER_HZ = 7;

    private AgentMessages() {}

    /**
     * The length {@link #writeSample} will write for {@code sample} sent as {@code seq} with {@code
     * droppedBefore}.
     */
    public static int sampleLength(SampleBuffer sample, long seq, long droppedBefore) {
        return sampleMessageLength(
                bodyLength(sample) + seqFieldLength(seq) + droppedBeforeFieldLength(droppedBefore));
    }

    /**
     * The most {@link #writeSample} can write for {@code sample}, whatever {@code seq} and {@code
     * droppedBefore} are.
     */
    public static int maxSampleLength(SampleBuffer sample) {
        return sampleMessageLength(
                sample.length() + MAX_SEQ_FIELD_LENGTH + MAX_DROPPED_BEFORE_FIELD_LENGTH);
    }

    /**
     * Writes {@code AgentMessage{sample = sample with seq + dropped_before}} at {@code out[off]}:
     * {@code seq} (unsigned; 0 writes none) replaces the seq the buffer was encoded with; a {@code
     * droppedBefore} of 0 or less writes no {@code dropped_before}, above 2^32-1 writes 2^32-1.
     *
     * @return the length written, {@link #sampleLength}
     * @throws IndexOutOfBoundsException when {@code out} has less room after {@code off}, having
     *     written nothing
     */
    public static int writeSample(
            SampleBuffer sample, long seq, long droppedBefore, byte[] out, int off) {
        int skip = encodedSeqLength(sample);
        int bodyLength = sample.length() - skip;
        int seqLength = seqFieldLength(seq);
        int droppedLength = droppedBeforeFieldLength(droppedBefore);
        int sampleLength = seqLength + bodyLength + droppedLength;
        int length = sampleMessageLength(sampleLength);
        if (off < 0 || length > out.length - off) {
            throw new IndexOutOfBoundsException(
                    "an AgentMessage of "
                            + length
                            + " bytes does not fit at offset "
                            + off
                            + " of a "
                            + out.length
                            + "-byte array");
        }
        int pos = Varints.put(AGENT_SAMPLE_TAG, out, off);
        pos = Varints.put(sampleLength, out, pos);
        if (seqLength > 0) {
            pos = Varints.put(SAMPLE_SEQ_TAG, out, pos);
            pos = Varints.put(seq, out, pos);
        }
        System.arraycopy(sample.array(), skip, out, pos, bodyLength);
        pos += bodyLength;
        if (droppedLength > 0) {
            pos = Varints.put(SAMPLE_DROPPED_BEFORE_TAG, out, pos);
            pos = Varints.put(Math.min(droppedBefore, MAX_DROPPED_BEFORE), out, pos);
        }
        return pos - off;
    }

    /**
     * Encodes {@code AgentMessage{hello = Hello{...}}}; empty strings and zero numbers are omitted
     * as proto3 omits defaults. {@code intervalMs} and the identity's {@code userHz} are uint32.
     */
    public static byte[] hello(
            String agentName,
            String agentVersion,
            String agentInstance,
            int intervalMs,
            GuestIdentity guest) {
        int helloLength =
                stringSize(HELLO_AGENT_NAME, agentName)
                        + stringSize(HELLO_AGENT_VERSION, agentVersion)
                        + stringSize(HELLO_BOOT_ID, guest.bootId())
                        + stringSize(HELLO_KERNEL_RELEASE, guest.kernelRelease())
                        + stringSize(HELLO_AGENT_INSTANCE, agentInstance)
                        + uint32Size(HELLO_INTERVAL_MS, intervalMs)
                        + uint32Size(HELLO_USER_HZ, guest.userHz());
        byte[] message = new byte[ProtoWriter.lengthDelimitedSize(AGENT_HELLO, helloLength)];
        ProtoWriter out = new ProtoWriter().reset(message, 0);
        out.writeLengthDelimitedHeader(AGENT_HELLO, helloLength);
        writeString(out, HELLO_AGENT_NAME, agentName);
        writeString(out, HELLO_AGENT_VERSION, agentVersion);
        writeString(out, HELLO_BOOT_ID, guest.bootId());
        writeString(out, HELLO_KERNEL_RELEASE, guest.kernelRelease());
        writeString(out, HELLO_AGENT_INSTANCE, agentInstance);
        if (intervalMs != 0) {
            out.writeUInt32(HELLO_INTERVAL_MS, intervalMs);
        }
        if (guest.userHz() != 0) {
            out.writeUInt32(HELLO_USER_HZ, guest.userHz());
        }
        if (out.position() != message.length) {
            throw new IllegalStateException(
                    "Hello sized at "
                            + message.length
                            + " bytes but "
                            + out.position()
                            + " written");
        }
        return message;
    }

    /**
     * The bytes of the buffer's own seq field: the encoder writes it first, and only when not 0.
     */
    private static int encodedSeqLength(SampleBuffer sample) {
        int length = seqFieldLength(sample.seq());
        if (length > 0 && (sample.length() < length || sample.array()[0] != SAMPLE_SEQ_TAG)) {
            throw new IllegalStateException(
                    "sample " + sample.seq() + " does not start with its seq field");
        }
        return length;
    }

    private static int bodyLength(SampleBuffer sample) {
        return sample.length() - encodedSeqLength(sample);
    }

    private static int seqFieldLength(long seq) {
        return seq == 0 ? 0 : ProtoWriter.uint64Size(SAMPLE_SEQ, seq);
    }

    private static int sampleMessageLength(int sampleLength) {
        return ProtoWriter.lengthDelimitedSize(AGENT_SAMPLE, sampleLength);
    }

    private static int droppedBeforeFieldLength(long droppedBefore) {
        return droppedBefore <= 0
                ? 0
                : ProtoWriter.uint64Size(
                        SAMPLE_DROPPED_BEFORE, Math.min(droppedBefore, MAX_DROPPED_BEFORE));
    }

    private static int stringSize(int field, String value) {
        return value.isEmpty() ? 0 : ProtoWriter.stringSize(field, value);
    }

    private static int uint32Size(int field, int value) {
        return value == 0 ? 0 : ProtoWriter.uint32Size(field, value);
    }

    private static void writeString(ProtoWriter out, int field, String value) {
        if (!value.isEmpty()) {
            out.writeString(field, value);
        }
    }
}
