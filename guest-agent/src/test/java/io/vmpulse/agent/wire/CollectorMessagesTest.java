package io.vmpulse.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.vmpulse.proto.v1.Ack;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.SetInterval;
import io.vmpulse.proto.v1.Welcome;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Inputs made by the generated builders; what protobuf-java parses from them is the reference. */
class CollectorMessagesTest {

    /** Records the one call a decode makes. */
    private static final class Recorder implements CollectorMessages.Handler {
        String call = "none";
        long value;
        int calls;

        @Override
        public void welcome(long lastSeq) {
            record("welcome", lastSeq);
        }

        @Override
        public void ack(long seq) {
            record("ack", seq);
        }

        @Override
        public void setInterval(int intervalMsUnsigned) {
            record("setInterval", intervalMsUnsigned);
        }

        @Override
        public void unknown() {
            record("unknown", 0);
        }

        private void record(String what, long v) {
            call = what;
            value = v;
            calls++;
        }

        @Override
        public String toString() {
            return call + "(" + value + ")";
        }
    }

    @Test
    void welcome_ack_and_set_interval_reach_their_handler_methods_with_unsigned_values()
            throws Exception {
        assertEquals(
                "welcome(0)",
                decode(CollectorMessage.newBuilder().setWelcome(Welcome.getDefaultInstance())));
        assertEquals(
                "welcome(-1)",
                decode(
                        CollectorMessage.newBuilder()
                                .setWelcome(Welcome.newBuilder().setLastSeq(-1))));
        assertEquals(
                "ack(123456789012)",
                decode(
                        CollectorMessage.newBuilder()
                                .setAck(Ack.newBuilder().setSeq(123456789012L))));
        assertEquals(
                "ack(-9223372036854775808)",
                decode(
                        CollectorMessage.newBuilder()
                                .setAck(Ack.newBuilder().setSeq(Long.MIN_VALUE))));
        assertEquals(
                "setInterval(250)",
                decode(
                        CollectorMessage.newBuilder()
                                .setSetInterval(SetInterval.newBuilder().setIntervalMs(250))));
        Recorder r = new Recorder();
        byte[] huge =
                CollectorMessage.newBuilder()
                        .setSetInterval(SetInterval.newBuilder().setIntervalMs(-2))
                        .build()
                        .toByteArray();
        CollectorMessages.decode(huge, 0, huge.length, r);
        assertEquals(
                4_294_967_294L,
                Integer.toUnsignedLong((int) r.value),
                "uint32 above Integer.MAX_VALUE");
    }

    @Test
    void a_message_with_no_known_case_is_unknown() throws Exception {
        UnknownFieldSet newerCase =
                UnknownFieldSet.newBuilder()
                        .addField(
                                4,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(
                                                ByteString.copyFromUtf8("from a newer collector"))
                                        .build())
                        .build();
        assertEquals(
                "unknown(0)", decode(CollectorMessage.newBuilder().setUnknownFields(newerCase)));
        assertEquals("unknown(0)", decode(CollectorMessage.newBuilder()), "an empty message");
        // Field 2 as a varint is not the Ack message: protobuf keeps it as an unknown field.
        UnknownFieldSet wrongWireType =
                UnknownFieldSet.newBuilder()
                        .addField(2, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
                        .build();
        assertEquals(
                CollectorMessage.BodyCase.BODY_NOT_SET,
                CollectorMessage.parseFrom(
                                CollectorMessage.newBuilder()
                                        .setUnknownFields(wrongWireType)
                                        .build()
                                        .toByteArray())
                        .getBodyCase());
        assertEquals(
                "unknown(0)",
                decode(CollectorMessage.newBuilder().setUnknownFields(wrongWireType)));
    }

    @Test
    void unknown_fields_of_every_wire_type_are_skipped_around_and_inside_known_messages()
            throws Exception {
        UnknownFieldSet unknown =
                UnknownFieldSet.newBuilder()
                        .addField(9, UnknownFieldSet.Field.newBuilder().addVarint(-1L).build())
                        .addField(10, UnknownFieldSet.Field.newBuilder().addFixed32(7).build())
                        .addField(11, UnknownFieldSet.Field.newBuilder().addFixed64(-7L).build())
                        .addField(
                                12,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("x"))
                                        .build())
                        .addField(
                                13,
                                UnknownFieldSet.Field.newBuilder()
                                        .addGroup(
                                                UnknownFieldSet.newBuilder()
                                                        .addField(
                                                                1,
                                                                UnknownFieldSet.Field.newBuilder()
                                                                        .addGroup(
                                                                                UnknownFieldSet
                                                                                        .newBuilder()
                                                                                        .addField(
                                                                                                2,
                                                                                                UnknownFieldSet
                                                                                                        .Field
                                                                                                        .newBuilder()
                                                                                                        .addVarint(
                                                                                                                3)
                                                                                                        .build())
                                                                                        .build())
                                                                        .build())
                                                        .build())
                                        .build())
                        .build();
        CollectorMessage m =
                CollectorMessage.newBuilder()
                        .setAck(Ack.newBuilder().setSeq(77).setUnknownFields(unknown))
                        .setUnknownFields(unknown)
                        .build();
        assertEquals("ack(77)", decode(m.toBuilder()));
    }

    @Test
    void the_last_oneof_field_on_the_wire_wins_and_a_repeated_case_merges() throws Exception {
        byte[] welcome =
                bytes(CollectorMessage.newBuilder().setWelcome(Welcome.newBuilder().setLastSeq(5)));
        byte[] ack = bytes(CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(9)));
        byte[] emptyWelcome =
                bytes(CollectorMessage.newBuilder().setWelcome(Welcome.getDefaultInstance()));
        byte[] emptyAck = bytes(CollectorMessage.newBuilder().setAck(Ack.getDefaultInstance()));

        assertDecodesLikeProtobuf(concat(welcome, ack), "ack(9)");
        assertDecodesLikeProtobuf(concat(ack, welcome), "welcome(5)");
        assertDecodesLikeProtobuf(concat(welcome, emptyWelcome), "welcome(5)");
        // The encoding spec: "only the last member seen is used". protobuf-java's generated builder
        // answers welcome(5) here (it revives the Welcome builder the Ack replaced); we follow the
        // spec.
        Recorder r = new Recorder();
        byte[] welcomeAckWelcome = concat(welcome, ack, emptyWelcome);
        CollectorMessages.decode(welcomeAckWelcome, 0, welcomeAckWelcome.length, r);
        assertEquals("welcome(0)", r.toString());
        assertDecodesLikeProtobuf(concat(ack, emptyAck), "ack(9)");
    }

    @Test
    void truncated_or_malformed_input_throws_saying_what_is_wrong_and_calls_nothing() {
        byte[] ack = bytes(CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(300)));
        for (int cut = 1; cut < ack.length; cut++) {
            assertMalformed(Arrays.copyOf(ack, cut), "truncated", "exceeds");
        }
        byte[] elevenByteVarint = new byte[3 + 11];
        Arrays.fill(elevenByteVarint, (byte) 0xff);
        elevenByteVarint[0] = 0x12;
        elevenByteVarint[1] = 12;
        elevenByteVarint[2] = 0x08;
        assertMalformed(elevenByteVarint, "varint longer than 10 bytes");
        assertMalformed(new byte[] {0x00}, "invalid tag 0");
        assertMalformed(new byte[] {0x0e}, "invalid wire type 6");
        assertMalformed(new byte[] {0x0f}, "invalid wire type 7");
        assertMalformed(new byte[] {0x0c}, "group end without a group start");
        assertMalformed(new byte[] {0x0b, 0x08, 0x01}, "truncated");
        assertMalformed(
                new byte[] {0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f},
                "exceeds");
        assertMalformed(new byte[] {0x15, 1, 2, 3}, "truncated: 4 bytes needed, 3 left");
    }

    @Test
    void decoding_reads_only_its_range_of_the_array() throws Exception {
        byte[] ack = bytes(CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(42)));
        byte[] padded = new byte[ack.length + 8];
        Arrays.fill(padded, (byte) 0xff);
        System.arraycopy(ack, 0, padded, 5, ack.length);
        Recorder r = new Recorder();
        CollectorMessages.decode(padded, 5, ack.length, r);
        assertEquals("ack(42)", r.toString());
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> CollectorMessages.decode(ack, 1, ack.length, r));
    }

    @Test
    void decoding_the_known_cases_allocates_nothing() throws Exception {
        byte[][] messages = {
            bytes(CollectorMessage.newBuilder().setWelcome(Welcome.newBuilder().setLastSeq(5))),
            bytes(CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(Long.MAX_VALUE))),
            bytes(
                    CollectorMessage.newBuilder()
                            .setSetInterval(SetInterval.newBuilder().setIntervalMs(1000))),
        };
        Recorder r = new Recorder();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 100_000; i++) {
            CollectorMessages.decode(messages[i % 3], 0, messages[i % 3].length, r);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            CollectorMessages.decode(messages[i % 3], 0, messages[i % 3].length, r);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // Slack for the bean call itself; one allocation per message would be 160,000 bytes or
        // more.
        assertTrue(allocated < 4_096, allocated + " bytes allocated by 10,000 decodes");
    }

    private static void assertDecodesLikeProtobuf(byte[] b, String expected) throws Exception {
        assertEquals(expected, reference(b), "protobuf-java, the reference");
        Recorder r = new Recorder();
        CollectorMessages.decode(b, 0, b.length, r);
        assertEquals(expected, r.toString());
        assertEquals(1, r.calls);
    }

    private static void assertMalformed(byte[] b, String... anyOf) {
        assertThrows(
                InvalidProtocolBufferException.class,
                () -> CollectorMessage.parseFrom(b),
                "protobuf agrees on " + Arrays.toString(b));
        Recorder r = new Recorder();
        MalformedMessageException e =
                assertThrows(
                        MalformedMessageException.class,
                        () -> CollectorMessages.decode(b, 0, b.length, r));
        assertTrue(Arrays.stream(anyOf).anyMatch(e.getMessage()::contains), e.getMessage());
        assertTrue(e.getMessage().startsWith("malformed CollectorMessage: "), e.getMessage());
        assertEquals(0, r.calls);
    }

    private static String decode(CollectorMessage.Builder m) throws Exception {
        byte[] b = bytes(m);
        assertDecodesLikeProtobuf(b, reference(b));
        Recorder r = new Recorder();
        CollectorMessages.decode(b, 0, b.length, r);
        return r.toString();
    }

    private static String reference(byte[] b) throws Exception {
        CollectorMessage parsed = CollectorMessage.parseFrom(b);
        return switch (parsed.getBodyCase()) {
            case WELCOME -> "welcome(" + parsed.getWelcome().getLastSeq() + ")";
            case ACK -> "ack(" + parsed.getAck().getSeq() + ")";
            case SET_INTERVAL -> "setInterval(" + parsed.getSetInterval().getIntervalMs() + ")";
            case BODY_NOT_SET -> "unknown(0)";
        };
    }

    private static byte[] bytes(CollectorMessage.Builder m) {
        return m.build().toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        byte[] all = new byte[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        return all;
    }
}
