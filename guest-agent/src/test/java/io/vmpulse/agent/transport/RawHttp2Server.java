package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A hand-driven HTTP/2 server on a Unix socket for one connection: the test scripts every frame it
 * sends, so it can send what no real server would. Frames go out one byte per write, so the client
 * sees every frame cut at every point. Header blocks are HPACK literals without indexing or
 * Huffman.
 */
final class RawHttp2Server implements AutoCloseable {

    static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame read from the client. */
    static final class Frame {
        final int type;
        final int flags;
        final int streamId;
        final byte[] payload;

        Frame(int type, int flags, int streamId, byte[] payload) {
            this.type = type;
            this.flags = flags;
            this.streamId = streamId;
            this.payload = payload;
        }

        int intAt(int offset) {
            return ByteBuffer.wrap(payload).getInt(offset);
        }
    }

    private final ServerSocketChannel listening;
    private final CollectorAddress address;
    private SocketChannel peer;

    RawHttp2Server(Path dir) throws IOException {
        Path socket = dir.resolve("raw.sock");
        listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listening.bind(UnixDomainSocketAddress.of(socket));
        address = CollectorAddress.parse("unix://" + socket);
    }

    /** The client's first SETTINGS, once {@link #handshake} has read it. */
    Frame clientSettings;

    /** The value the client's first SETTINGS gives {@code id}, or -1 when it leaves it out. */
    long clientSetting(int id) {
        byte[] p = clientSettings.payload;
        long value = -1;
        for (int at = 0;
                at + Http2Frames.SETTING_LENGTH <= p.length;
                at += Http2Frames.SETTING_LENGTH) {
            if (((p[at] & 0xFF) << 8 | (p[at + 1] & 0xFF)) == id) {
                value = Integer.toUnsignedLong(Http2Frames.getInt(p, at + Short.BYTES));
            }
        }
        return value;
    }

    CollectorAddress address() {
        return address;
    }

    /**
     * Accepts the client, reads its preface, SETTINGS, connection WINDOW_UPDATE and request
     * HEADERS, and answers with an empty SETTINGS and the ACK of the client's.
     */
    void handshake() throws IOException {
        peer = listening.accept();
        assertArrayEquals(PREFACE, readFully(PREFACE.length), "client preface");
        Frame settings = readFrame();
        assertEquals(Http2Frames.TYPE_SETTINGS, settings.type);
        assertEquals(0, settings.flags);
        clientSettings = settings;
        assertEquals(Http2Frames.TYPE_WINDOW_UPDATE, readFrame().type);
        Frame headers = readFrame();
        assertEquals(Http2Frames.TYPE_HEADERS, headers.type);
        assertEquals(Http2Frames.STREAM_ID, headers.streamId);
        send(frame(Http2Frames.TYPE_SETTINGS, 0, 0, new byte[0]));
        send(frame(Http2Frames.TYPE_SETTINGS, Http2Frames.FLAG_ACK, 0, new byte[0]));
    }

    /** Writes {@code bytes} one byte per write. */
    void send(byte[] bytes) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        for (byte b : bytes) {
            one.clear();
            one.put(b).flip();
            while (one.hasRemaining()) {
                peer.write(one);
            }
        }
    }

    /** Response HEADERS for a healthy call: 200 and application/grpc. */
    void sendResponseHeaders() throws IOException {
        send(
                frame(
                        Http2Frames.TYPE_HEADERS,
                        Http2Frames.FLAG_END_HEADERS,
                        Http2Frames.STREAM_ID,
                        block(":status", "200", "content-type", "application/grpc")));
    }

    void sendTrailers(int grpcStatus, String grpcMessage) throws IOException {
        send(
                frame(
                        Http2Frames.TYPE_HEADERS,
                        Http2Frames.FLAG_END_HEADERS | Http2Frames.FLAG_END_STREAM,
                        Http2Frames.STREAM_ID,
                        block(
                                "grpc-status",
                                Integer.toString(grpcStatus),
                                "grpc-message",
                                grpcMessage)));
    }

    Frame readFrame() throws IOException {
        byte[] header = readFully(Http2Frames.FRAME_HEADER_LENGTH);
        int length = Http2Frames.getLength(header, 0);
        int streamId = Http2Frames.getInt(header, Http2Frames.STREAM_ID_OFFSET) & Integer.MAX_VALUE;
        return new Frame(
                header[Http2Frames.TYPE_OFFSET] & 0xFF,
                header[Http2Frames.FLAGS_OFFSET] & 0xFF,
                streamId,
                readFully(length));
    }

    /**
     * Reads up to the next frame of {@code type}, skipping others (SETTINGS ACKs, WINDOW_UPDATEs).
     */
    Frame awaitFrame(int type) throws IOException {
        while (true) {
            Frame f = readFrame();
            if (f.type == type) {
                return f;
            }
        }
    }

    private byte[] readFully(int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (peer.read(buf) < 0) {
                throw new EOFException(
                        "client closed the connection after "
                                + buf.position()
                                + " of "
                                + n
                                + " bytes");
            }
        }
        return buf.array();
    }

    static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        byte[] f = new byte[Http2Frames.FRAME_HEADER_LENGTH + payload.length];
        Http2Frames.putFrameHeader(f, 0, payload.length, type, flags, streamId);
        System.arraycopy(payload, 0, f, Http2Frames.FRAME_HEADER_LENGTH, payload.length);
        return f;
    }

    /** A DATA payload holding one uncompressed gRPC message. */
    static byte[] message(byte[] m) {
        return ByteBuffer.allocate(Http2Frames.MESSAGE_PREFIX_LENGTH + m.length)
                .put((byte) 0)
                .putInt(m.length)
                .put(m)
                .array();
    }

    /**
     * An HPACK block of "literal header field without indexing, new name" fields (RFC 7541 section
     * 6.2.2): a zero octet, then name and value as plain strings, each behind a 7-bit length.
     */
    static byte[] block(String... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.write(0);
            plainString(out, namesAndValues[i]);
            plainString(out, namesAndValues[i + 1]);
        }
        return out.toByteArray();
    }

    private static void plainString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length >= 0x7F) {
            throw new IllegalArgumentException("keep test header strings under 127 octets: " + s);
        }
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    @Override
    public void close() throws IOException {
        if (peer != null) {
            peer.close();
        }
        listening.close();
    }
}
