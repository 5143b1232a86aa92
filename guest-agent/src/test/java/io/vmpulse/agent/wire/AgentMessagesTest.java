package io.vmpulse.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.agent.sample.GuestIdentity;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AgentMessagesTest {

    private static final Sample SAMPLE =
            Sample.newBuilder()
                    .setSeq(12)
                    .setWallTimeUnixNs(-3)
                    .setMonotonicNs(99)
                    .setCpu(Cpu.newBuilder().setOnlineCpus(2))
                    .addFilesystems(Filesystem.newBuilder().setMountPoint("/"))
                    .setIntervalMs(1000)
                    .build();

    @Test
    void dropped_before_appended_inside_the_sample_is_read_by_protobuf() throws Exception {
        for (long dropped : new long[] {1, 127, 128, 0xFFFF_FFFFL}) {
            byte[] out = new byte[AgentMessages.maxSampleLength(buffer(SAMPLE))];
            int length =
                    AgentMessages.writeSample(buffer(SAMPLE), SAMPLE.getSeq(), dropped, out, 0);

            AgentMessage expected =
                    AgentMessage.newBuilder()
                            .setSample(SAMPLE.toBuilder().setDroppedBefore((int) dropped))
                            .build();
            assertEquals(expected, AgentMessage.parseFrom(ByteBuffer.wrap(out, 0, length)));
            assertArrayEquals(
                    expected.toByteArray(),
                    Arrays.copyOf(out, length),
                    "field 8 is last, so canonical order");
            assertEquals(
                    AgentMessages.sampleLength(buffer(SAMPLE), SAMPLE.getSeq(), dropped), length);
        }
    }

    @Test
    void the_seq_sent_replaces_the_seq_the_buffer_was_numbered_with() throws Exception {
        // 1 and 127 fit the buffer's one-byte varint, 128 and up are wider, 2^63-1 and 2^64-1
        // (-1L) the widest: the rest of the sample moves over and stays byte-for-byte canonical.
        for (long seq : new long[] {1, 127, 128, 1L << 35, Long.MAX_VALUE, -1L}) {
            SampleBuffer sample = buffer(SAMPLE);
            byte[] out = new byte[AgentMessages.maxSampleLength(sample)];
            int length = AgentMessages.writeSample(sample, seq, 3, out, 0);

            AgentMessage expected =
                    AgentMessage.newBuilder()
                            .setSample(SAMPLE.toBuilder().setSeq(seq).setDroppedBefore(3))
                            .build();
            assertArrayEquals(expected.toByteArray(), Arrays.copyOf(out, length), "seq " + seq);
            assertEquals(AgentMessages.sampleLength(sample, seq, 3), length);
            assertEquals(12, sample.seq(), "the buffer keeps its own number");
        }
    }

    @Test
    void dropped_before_is_clamped_to_uint32_and_left_out_when_not_positive() throws Exception {
        assertEquals(
                0xFFFF_FFFFL,
                Integer.toUnsignedLong(written(Long.MAX_VALUE).getSample().getDroppedBefore()));
        assertEquals(
                0xFFFF_FFFFL,
                Integer.toUnsignedLong(written(1L << 32).getSample().getDroppedBefore()));
        for (long none : new long[] {0, -1, Long.MIN_VALUE}) {
            byte[] out = new byte[AgentMessages.maxSampleLength(buffer(SAMPLE))];
            int length = AgentMessages.writeSample(buffer(SAMPLE), SAMPLE.getSeq(), none, out, 0);
            assertArrayEquals(
                    AgentMessage.newBuilder().setSample(SAMPLE).build().toByteArray(),
                    Arrays.copyOf(out, length));
        }
    }

    @Test
    void a_sample_is_written_at_the_offset_given_and_never_past_the_array() throws Exception {
        SampleBuffer sample = buffer(SAMPLE);
        int length = AgentMessages.sampleLength(sample, 12, 5);
        byte[] out = new byte[7 + length];
        assertEquals(length, AgentMessages.writeSample(sample, 12, 5, out, 7));
        assertEquals(
                5,
                AgentMessage.parseFrom(ByteBuffer.wrap(out, 7, length))
                        .getSample()
                        .getDroppedBefore());

        byte[] small = new byte[length - 1];
        IndexOutOfBoundsException e =
                assertThrows(
                        IndexOutOfBoundsException.class,
                        () -> AgentMessages.writeSample(sample, 12, 5, small, 0));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertArrayEquals(new byte[small.length], small, "nothing written");
        assertTrue(
                AgentMessages.maxSampleLength(sample)
                        >= AgentMessages.sampleLength(sample, -1L, Long.MAX_VALUE));
    }

    @Test
    void the_largest_sample_message_bound_covers_the_largest_sample() {
        SampleBuffer largest = new SampleBuffer();
        largest.ensureCapacity(SampleBuffer.MAX_LENGTH);
        largest.append(new byte[SampleBuffer.MAX_LENGTH], 0, SampleBuffer.MAX_LENGTH);
        assertEquals(
                AgentMessages.maxSampleLength(largest), AgentMessages.MAX_SAMPLE_MESSAGE_LENGTH);
    }

    @Test
    void hello_equals_the_generated_encoding_and_omits_defaults() throws Exception {
        byte[] hello =
                AgentMessages.hello(
                        "vmpulse-guest-agent",
                        "1.2.3",
                        "f0e1-instance",
                        -1,
                        new GuestIdentity("2c1e8d5a-boot", "6.1.0-ärm64", 100));
        AgentMessage expected =
                AgentMessage.newBuilder()
                        .setHello(
                                Hello.newBuilder()
                                        .setAgentName("vmpulse-guest-agent")
                                        .setAgentVersion("1.2.3")
                                        .setAgentInstance("f0e1-instance")
                                        .setIntervalMs(-1)
                                        .setBootId("2c1e8d5a-boot")
                                        .setKernelRelease("6.1.0-ärm64")
                                        .setUserHz(100))
                        .build();
        assertArrayEquals(expected.toByteArray(), hello);
        assertEquals(expected, AgentMessage.parseFrom(hello));

        byte[] sparse = AgentMessages.hello("a", "", "", 0, new GuestIdentity("", "k", 0));
        assertArrayEquals(
                AgentMessage.newBuilder()
                        .setHello(Hello.newBuilder().setAgentName("a").setKernelRelease("k"))
                        .build()
                        .toByteArray(),
                sparse);
    }

    private static AgentMessage written(long dropped) throws Exception {
        byte[] out = new byte[AgentMessages.maxSampleLength(buffer(SAMPLE))];
        int length = AgentMessages.writeSample(buffer(SAMPLE), SAMPLE.getSeq(), dropped, out, 0);
        return AgentMessage.parseFrom(ByteBuffer.wrap(out, 0, length));
    }

    static SampleBuffer buffer(Sample sample) {
        SampleBuffer b = new SampleBuffer();
        b.clear(sample.getSeq());
        byte[] bytes = sample.toByteArray();
        b.append(bytes, 0, bytes.length);
        return b;
    }
}
