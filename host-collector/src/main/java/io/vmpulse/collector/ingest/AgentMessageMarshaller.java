package io.vmpulse.collector.ingest;

import com.google.protobuf.DiscardUnknownFieldsParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.vmpulse.proto.v1.AgentMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Turns a guest's message bytes into an {@link AgentMessage} without ever throwing: bytes that are
 * not a valid message become {@link #MALFORMED}, which the stream counts as a reject like any other
 * bad message. gRPC's own marshaller throws instead, and gRPC answers that by failing the call and
 * logging the exception with its whole stack trace, once per message, without a limit.
 *
 * <p>Unknown fields are dropped while parsing rather than kept: a message of many tiny unknown
 * fields would otherwise become one object per field, several times its size on the heap. Parsing
 * is bounded by the transport's size limit, which gRPC checks against the length prefix before it
 * buffers anything ({@link GuestLimits#maxMessageBytes}).
 */
final class AgentMessageMarshaller implements MethodDescriptor.Marshaller<AgentMessage> {

    /** Stands for "these bytes were not an AgentMessage"; compared by identity. */
    static final AgentMessage MALFORMED = AgentMessage.newBuilder().build();

    private static final Parser<AgentMessage> PARSER =
            DiscardUnknownFieldsParser.wrap(AgentMessage.parser());

    static boolean isMalformed(AgentMessage m) {
        return m == MALFORMED;
    }

    @Override
    public InputStream stream(AgentMessage value) {
        return value.toByteString().newInput();
    }

    /**
     * gRPC hands over each message as a stream that knows its length: it is read into an array of
     * exactly that size. {@code readAllBytes} allocates an 8 KiB chunk and copies it to size: for a
     * 500-byte sample about twenty times the garbage, a third of all the collector allocated at a
     * thousand VMs (JFR allocation samples), and so a third of its young collections.
     */
    @Override
    public AgentMessage parse(InputStream stream) {
        try (stream) {
            return parse(stream instanceof KnownLength ? readKnown(stream) : stream.readAllBytes());
        } catch (IOException e) {
            return MALFORMED;
        }
    }

    private static byte[] readKnown(InputStream stream) throws IOException {
        byte[] bytes = new byte[stream.available()];
        int n = stream.readNBytes(bytes, 0, bytes.length);
        int next = stream.read();
        if (n == bytes.length && next == -1) {
            return bytes;
        }
        // Fewer or more bytes than announced: take what is really there.
        ByteArrayOutputStream all = new ByteArrayOutputStream(n + 64);
        all.write(bytes, 0, n);
        if (next != -1) {
            all.write(next);
            stream.transferTo(all);
        }
        return all.toByteArray();
    }

    /** Parses one message's bytes; {@link #MALFORMED} when they are not a valid AgentMessage. */
    static AgentMessage parse(byte[] bytes) {
        try {
            return PARSER.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return MALFORMED;
        }
    }
}
