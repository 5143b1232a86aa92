package io.vmpulse.agent.transport;

import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_HEADERS;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_END_STREAM;
import static io.vmpulse.agent.transport.Http2Frames.FLAG_PADDED;
import static io.vmpulse.agent.transport.Http2Frames.STREAM_ID;
import static io.vmpulse.agent.transport.Http2Frames.TYPE_CONTINUATION;
import static io.vmpulse.agent.transport.Http2Frames.TYPE_DATA;
import static io.vmpulse.agent.transport.Http2Frames.TYPE_HEADERS;
import static io.vmpulse.agent.transport.RawHttp2Server.block;
import static io.vmpulse.agent.transport.RawHttp2Server.concat;
import static io.vmpulse.agent.transport.RawHttp2Server.frame;
import static io.vmpulse.agent.transport.RawHttp2Server.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client against a scripted server that breaks, stretches or bends HTTP/2 on purpose. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class GrpcCallProtocolTest {

    private static final int MAX_INBOUND = 4096;

    @TempDir Path dir;
    private RawHttp2Server server;
    private GrpcCall call;
    private final RecordingListener listener = new RecordingListener();
    private String peer;

    @BeforeEach
    void open() throws IOException {
        server = new RawHttp2Server(dir);
        peer = server.address().toString();
        call =
                GrpcCall.start(
                        Connections.open(server.address(), Duration.ofSeconds(5)),
                        "localhost",
                        "/t.S/M",
                        listener,
                        MAX_INBOUND);
        server.handshake();
    }

    @AfterEach
    void close() throws IOException {
        call.close();
        server.close();
    }

    private void assertClosedWith(int code, String message) throws Exception {
        GrpcStatus status = listener.awaitClose();
        assertEquals(code, status.code(), status.toString());
        assertEquals(message, status.message());
    }

    private void assertProtocolError(String what) throws Exception {
        assertClosedWith(GrpcStatus.INTERNAL, "HTTP/2 protocol error from " + peer + ": " + what);
    }

    /**
     * Reads the GOAWAY the client must send before closing. Its last stream id counts streams the
     * server opened (RFC 9113 section 6.8), and the server opened none.
     */
    private void assertGoAway(int errorCode) throws IOException {
        RawHttp2Server.Frame goAway = server.awaitFrame(Http2Frames.TYPE_GOAWAY);
        assertEquals(0, goAway.streamId);
        assertEquals(Http2Frames.GOAWAY_MIN_PAYLOAD_LENGTH, goAway.payload.length);
        assertEquals(0, goAway.intAt(0), "GOAWAY last stream id");
        assertEquals(errorCode, goAway.intAt(Integer.BYTES), "GOAWAY error code");
    }

    @Test
    void a_frame_over_the_max_frame_size_is_a_connection_error() throws Exception {
        byte[] header = new byte[Http2Frames.FRAME_HEADER_LENGTH];
        Http2Frames.putFrameHeader(
                header, 0, Http2Frames.DEFAULT_MAX_FRAME_SIZE + 1, TYPE_DATA, 0, STREAM_ID);
        server.send(header);
        assertProtocolError("frame type 0 on stream 1 is 16385 bytes; the limit is 16384");
        assertGoAway(Http2Exception.FRAME_SIZE_ERROR);
    }

    @Test
    void the_client_asks_for_no_header_table_so_the_collector_keeps_none_per_guest()
            throws Exception {
        assertEquals(0, server.clientSetting(Http2Frames.SETTINGS_HEADER_TABLE_SIZE));
        assertEquals(0, server.clientSetting(Http2Frames.SETTINGS_ENABLE_PUSH));
        // A peer that indexes anyway gets its headers through; the entry just does not stay.
        server.send(
                frame(
                        Http2Frames.TYPE_HEADERS,
                        Http2Frames.FLAG_END_HEADERS,
                        Http2Frames.STREAM_ID,
                        new byte[] {
                            (byte) 0x88, // :status 200
                            0x5f, // literal with incremental indexing, name 31: content-type
                            16,
                            'a',
                            'p',
                            'p',
                            'l',
                            'i',
                            'c',
                            'a',
                            't',
                            'i',
                            'o',
                            'n',
                            '/',
                            'g',
                            'r',
                            'p',
                            'c'
                        }));
        server.sendTrailers(0, "");
        assertClosedWith(0, "");
    }

    @Test
    void push_promise_is_a_protocol_error_as_push_is_disabled() throws Exception {
        server.sendResponseHeaders();
        byte[] promisedStream = ByteBuffer.allocate(Integer.BYTES).putInt(2).array();
        server.send(
                frame(
                        Http2Frames.TYPE_PUSH_PROMISE,
                        FLAG_END_HEADERS,
                        STREAM_ID,
                        concat(promisedStream, block(":method", "GET", ":path", "/pushed"))));
        assertProtocolError("PUSH_PROMISE on stream 1 although push is disabled");
        assertGoAway(Http2Exception.PROTOCOL_ERROR);
    }

    @ParameterizedTest
    @CsvSource({"8, 1", "7, 14", "2, 13", "0, 13"})
    void rst_stream_ends_the_call_with_the_status_its_error_code_maps_to(
            int errorCode, int grpcCode) throws Exception {
        server.sendResponseHeaders();
        server.send(
                frame(
                        Http2Frames.TYPE_RST_STREAM,
                        0,
                        STREAM_ID,
                        ByteBuffer.allocate(Integer.BYTES).putInt(errorCode).array()));
        assertClosedWith(grpcCode, peer + " reset stream 1 with HTTP/2 error code " + errorCode);
    }

    @Test
    void header_blocks_split_over_continuation_frames_are_decoded_whole() throws Exception {
        byte[] response =
                block(
                        ":status",
                        "200",
                        "content-type",
                        "application/grpc",
                        "x-padding",
                        "z".repeat(100));
        server.send(frame(TYPE_HEADERS, 0, STREAM_ID, Arrays.copyOfRange(response, 0, 7)));
        server.send(
                frame(
                        TYPE_CONTINUATION,
                        FLAG_END_HEADERS,
                        STREAM_ID,
                        Arrays.copyOfRange(response, 7, response.length)));
        server.send(frame(TYPE_DATA, 0, STREAM_ID, message(new byte[] {1, 2, 3})));
        assertArrayEquals(
                new byte[] {1, 2, 3}, listener.awaitMessages(1, Duration.ofSeconds(10)).get(0));

        byte[] trailers = block("grpc-status", "5", "grpc-message", "vm 42 is gone");
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_STREAM,
                        STREAM_ID,
                        Arrays.copyOfRange(trailers, 0, 1)));
        server.send(frame(TYPE_CONTINUATION, 0, STREAM_ID, Arrays.copyOfRange(trailers, 1, 20)));
        server.send(
                frame(
                        TYPE_CONTINUATION,
                        FLAG_END_HEADERS,
                        STREAM_ID,
                        Arrays.copyOfRange(trailers, 20, trailers.length)));
        assertClosedWith(GrpcStatus.NOT_FOUND, "vm 42 is gone");
        assertEquals(1, listener.messages().size());
    }

    @Test
    void a_continuation_on_another_stream_is_a_protocol_error() throws Exception {
        byte[] response = block(":status", "200", "content-type", "application/grpc");
        server.send(frame(TYPE_HEADERS, 0, STREAM_ID, Arrays.copyOfRange(response, 0, 5)));
        server.send(
                frame(
                        TYPE_CONTINUATION,
                        FLAG_END_HEADERS,
                        3,
                        Arrays.copyOfRange(response, 5, response.length)));
        assertProtocolError("frame type 9 on stream 3 interrupts a header block on stream 1");
        assertGoAway(Http2Exception.PROTOCOL_ERROR);
    }

    @Test
    void another_frame_inside_a_header_block_is_a_protocol_error() throws Exception {
        byte[] response = block(":status", "200", "content-type", "application/grpc");
        server.send(frame(TYPE_HEADERS, 0, STREAM_ID, Arrays.copyOfRange(response, 0, 5)));
        server.send(frame(Http2Frames.TYPE_PING, 0, 0, new byte[Http2Frames.PING_PAYLOAD_LENGTH]));
        assertProtocolError("frame type 6 on stream 0 interrupts a header block on stream 1");
        assertGoAway(Http2Exception.PROTOCOL_ERROR);
    }

    /**
     * Pad length octet, content, then {@code padding} bytes of 0x55 that must never be read as
     * content.
     */
    private static byte[] padded(byte[] content, int padding) {
        byte[] pad = new byte[padding];
        Arrays.fill(pad, (byte) 0x55);
        return concat(new byte[] {(byte) padding}, content, pad);
    }

    @Test
    void padded_data_and_headers_deliver_exactly_their_content() throws Exception {
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS | FLAG_PADDED,
                        STREAM_ID,
                        padded(block(":status", "200", "content-type", "application/grpc"), 9)));
        server.send(
                frame(
                        TYPE_DATA,
                        FLAG_PADDED,
                        STREAM_ID,
                        padded(message(new byte[] {10, 20, 30, 40}), 200)));
        server.send(frame(TYPE_DATA, FLAG_PADDED, STREAM_ID, padded(message(new byte[0]), 0)));
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS | FLAG_END_STREAM | FLAG_PADDED,
                        STREAM_ID,
                        padded(block("grpc-status", "0"), 255)));
        assertClosedWith(GrpcStatus.OK, "");
        List<byte[]> got = listener.messages();
        assertEquals(2, got.size());
        assertArrayEquals(new byte[] {10, 20, 30, 40}, got.get(0));
        assertArrayEquals(new byte[0], got.get(1));
    }

    @Test
    void data_padding_as_long_as_the_payload_is_a_protocol_error() throws Exception {
        server.sendResponseHeaders();
        byte[] payload = padded(message(new byte[] {1}), 4);
        payload[0] = (byte) payload.length;
        server.send(frame(TYPE_DATA, FLAG_PADDED, STREAM_ID, payload));
        assertProtocolError("DATA on stream 1 has padding longer than its payload");
        assertGoAway(Http2Exception.PROTOCOL_ERROR);
        assertEquals(0, listener.messages().size());
    }

    @Test
    void headers_padding_longer_than_the_payload_is_a_protocol_error() throws Exception {
        byte[] payload = padded(block(":status", "200"), 3);
        payload[0] = (byte) 200;
        server.send(frame(TYPE_HEADERS, FLAG_END_HEADERS | FLAG_PADDED, STREAM_ID, payload));
        assertProtocolError(
                "HEADERS on stream 1 has padding or priority fields longer than its payload of "
                        + payload.length
                        + " bytes");
        assertGoAway(Http2Exception.PROTOCOL_ERROR);
    }

    @Test
    void http_503_without_grpc_status_ends_the_call_unavailable_naming_the_status()
            throws Exception {
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS | FLAG_END_STREAM,
                        STREAM_ID,
                        block(":status", "503", "content-type", "text/plain")));
        assertClosedWith(GrpcStatus.UNAVAILABLE, peer + " answered with HTTP status 503");
    }

    @Test
    void a_non_200_response_carrying_grpc_status_ends_the_call_with_that_status() throws Exception {
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS | FLAG_END_STREAM,
                        STREAM_ID,
                        block(
                                ":status",
                                "503",
                                "content-type",
                                "application/grpc",
                                "grpc-status",
                                "8",
                                "grpc-message",
                                "collector overloaded")));
        assertClosedWith(GrpcStatus.RESOURCE_EXHAUSTED, "collector overloaded");
    }

    @Test
    void a_200_with_a_non_grpc_content_type_ends_the_call_naming_the_content_type()
            throws Exception {
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS,
                        STREAM_ID,
                        block(":status", "200", "content-type", "text/html")));
        assertClosedWith(
                GrpcStatus.UNKNOWN,
                peer + " answered with content-type 'text/html', not application/grpc");
    }

    @Test
    void a_trailers_only_response_ends_the_call_with_its_status() throws Exception {
        server.send(
                frame(
                        TYPE_HEADERS,
                        FLAG_END_HEADERS | FLAG_END_STREAM,
                        STREAM_ID,
                        block(
                                ":status",
                                "200",
                                "content-type",
                                "application/grpc",
                                "grpc-status",
                                "7",
                                "grpc-message",
                                "vm%2042%3A denied")));
        assertClosedWith(GrpcStatus.PERMISSION_DENIED, "vm 42: denied");
        assertEquals(0, listener.messages().size());
    }

    @Test
    void try_send_sends_nothing_while_the_window_cannot_hold_the_message() throws Exception {
        // The window is HTTP/2's default, 65,535 bytes, on the connection and the stream: four
        // messages of 16,000 bytes (and their 5-byte prefixes) fit, a fifth does not.
        for (int i = 0; i < 4; i++) {
            byte[] big = numbered(i, 16_000);
            assertTrue(call.trySendMessage(big, 0, big.length), "message " + i + " fits");
        }
        byte[] fifth = numbered(4, 16_000);
        assertEquals(false, call.trySendMessage(fifth, 0, fifth.length), "the fifth does not");
        byte[] small = numbered(5, 100);
        assertTrue(call.trySendMessage(small, 0, small.length), "100 bytes still fit");
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(numbered(i, 16_000), readMessage(), "message " + i);
        }
        assertArrayEquals(small, readMessage(), "the refused message sent nothing");
        server.send(windowUpdate(0, 16_005));
        server.send(windowUpdate(STREAM_ID, 16_005));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!call.trySendMessage(fifth, 0, fifth.length)) {
            assertTrue(System.nanoTime() < deadline, "the credit never made room");
            Thread.sleep(5);
        }
        assertArrayEquals(fifth, readMessage());
    }

    @Test
    void a_message_the_socket_takes_in_part_is_finished_before_the_next_frame() throws Exception {
        server.send(windowUpdate(0, 1 << 30));
        server.send(windowUpdate(STREAM_ID, 1 << 30));
        Thread.sleep(200);
        // The server reads nothing yet, so the socket fills: the last accepted message is cut.
        int accepted = 0;
        while (true) {
            byte[] m = numbered(accepted, 3000);
            if (!call.trySendMessage(m, 0, m.length)) {
                break;
            }
            accepted++;
            assertTrue(accepted < 100_000, "the socket never filled");
        }
        assertTrue(call.hasPending(), "the socket took the last message only in part");
        int total = accepted + 20;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader =
                new Thread(
                        () -> {
                            try {
                                for (int i = 0; i < total; i++) {
                                    assertArrayEquals(
                                            numbered(i, 3000), readMessage(), "message " + i);
                                }
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        });
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = accepted; i < total; ) {
            byte[] m = numbered(i, 3000);
            if (call.trySendMessage(m, 0, m.length)) {
                i++;
            } else {
                assertTrue(System.nanoTime() < deadline, "the socket never drained");
                Thread.sleep(1);
            }
        }
        // No next message pushes the last one's tail: the flush alone must get it out.
        while (!call.tryFlush()) {
            assertTrue(System.nanoTime() < deadline, "the last message's tail never went out");
            Thread.sleep(1);
        }
        assertFalse(call.hasPending());
        reader.join(TimeUnit.SECONDS.toMillis(15));
        assertNull(failure.get());
        assertEquals(false, reader.isAlive(), "every message arrived");
    }

    /** One DATA frame holding one whole gRPC message, as this client sends messages this small. */
    private byte[] readMessage() throws IOException {
        RawHttp2Server.Frame f = server.awaitFrame(TYPE_DATA);
        assertEquals(STREAM_ID, f.streamId);
        assertEquals(0, f.payload[0], "not compressed");
        assertEquals(f.payload.length - 5, f.intAt(1), "length prefix");
        return Arrays.copyOfRange(f.payload, 5, f.payload.length);
    }

    private static byte[] numbered(int i, int size) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) i);
        ByteBuffer.wrap(m).putInt(0, i);
        return m;
    }

    private static byte[] setting(int id, int value) {
        return ByteBuffer.allocate(Http2Frames.SETTING_LENGTH)
                .putShort((short) id)
                .putInt(value)
                .array();
    }

    private static byte[] windowUpdate(int streamId, int increment) {
        return frame(
                Http2Frames.TYPE_WINDOW_UPDATE,
                0,
                streamId,
                ByteBuffer.allocate(Integer.BYTES).putInt(increment).array());
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING) {
            assertTrue(t.isAlive(), "the sender finished without blocking");
            Thread.sleep(5);
        }
    }

    @Test
    void a_lowered_initial_window_blocks_the_sender_until_window_updates_make_it_positive()
            throws Exception {
        server.sendResponseHeaders();
        call.sendMessage(new byte[1000], 0, 1000);
        assertEquals(1005, server.awaitFrame(TYPE_DATA).payload.length);
        // 65535 - 1005 spent; an initial window of 0 leaves the stream window at -1005 (RFC 9113
        // 6.9.2).
        server.send(
                frame(
                        Http2Frames.TYPE_SETTINGS,
                        0,
                        0,
                        setting(Http2Frames.SETTINGS_INITIAL_WINDOW_SIZE, 0)));
        RawHttp2Server.Frame ack = server.awaitFrame(Http2Frames.TYPE_SETTINGS);
        assertEquals(Http2Frames.FLAG_ACK, ack.flags);

        byte[] m = new byte[100];
        Arrays.fill(m, (byte) 7);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender =
                new Thread(
                        () -> {
                            try {
                                call.sendMessage(m, 0, m.length);
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        "test-sender");
        sender.start();
        awaitWaiting(sender);
        server.send(windowUpdate(STREAM_ID, 1005));
        // Back to zero, still no credit: the sender must wait on.
        Thread.sleep(100);
        awaitWaiting(sender);
        server.send(windowUpdate(STREAM_ID, 40));
        RawHttp2Server.Frame first = server.awaitFrame(TYPE_DATA);
        assertEquals(
                40,
                first.payload.length,
                "the first DATA after the updates spends exactly the 40 granted");
        server.send(windowUpdate(STREAM_ID, 65));
        RawHttp2Server.Frame second = server.awaitFrame(TYPE_DATA);
        assertEquals(65, second.payload.length);
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertNull(failure.get());
        assertArrayEquals(message(m), concat(first.payload, second.payload));
        assertTrue(call.isOpen());
    }

    @Test
    void frames_of_unknown_type_are_ignored() throws Exception {
        server.send(frame(0xFA, 0xFF, 0, new byte[] {1, 2, 3}));
        server.sendResponseHeaders();
        server.send(frame(0x42, 0, STREAM_ID, new byte[100]));
        server.send(frame(TYPE_DATA, 0, STREAM_ID, message(new byte[] {9})));
        server.send(frame(0xFA, 0, 7, new byte[0]));
        server.sendTrailers(GrpcStatus.OK, "");
        assertClosedWith(GrpcStatus.OK, "");
        assertEquals(1, listener.messages().size());
        assertArrayEquals(new byte[] {9}, listener.messages().get(0));
    }
}
