package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.KnownLength;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class AgentMessageMarshallerTest {

    private static final AgentMessage SAMPLE =
            AgentMessage.newBuilder().setSample(Sample.newBuilder().setSeq(42)).build();

    /** A stream that says it holds {@code announced} bytes, as gRPC's message streams do. */
    private static final class Announcing extends ByteArrayInputStream implements KnownLength {
        private int announced;

        Announcing(byte[] bytes, int announced) {
            super(bytes);
            this.announced = announced;
        }

        @Override
        public synchronized int available() {
            return Math.max(0, Math.min(announced, super.available()));
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            announced -= Math.max(0, n);
            return n;
        }
    }

    private static AgentMessage parse(InputStream in) {
        return new AgentMessageMarshaller().parse(in);
    }

    @Test
    void a_stream_of_known_length_parses_to_the_message() {
        byte[] bytes = SAMPLE.toByteArray();
        assertEquals(SAMPLE, parse(new Announcing(bytes, bytes.length)));
    }

    @Test
    void a_stream_that_announces_fewer_bytes_than_it_holds_is_read_whole() {
        AgentMessage hello =
                AgentMessage.newBuilder()
                        .setHello(Hello.newBuilder().setAgentName("x".repeat(300)))
                        .build();
        byte[] bytes = hello.toByteArray();
        assertEquals(hello, parse(new Announcing(bytes, 10)));
        assertEquals(hello, parse(new Announcing(bytes, 0)));
    }

    @Test
    void bytes_that_are_not_a_message_are_malformed_not_thrown() {
        byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertTrue(AgentMessageMarshaller.isMalformed(parse(new Announcing(junk, junk.length))));
    }
}
