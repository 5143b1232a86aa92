package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The minimal client against a real grpc-java server, over a Unix socket and over TCP on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcCallTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_INBOUND = 4096;

    @TempDir Path dir;
    private BytesServer server;
    private GrpcCall call;

    @AfterEach
    void stop() throws Exception {
        if (call != null) {
            call.close();
        }
        if (server != null) {
            server.close();
        }
        assertEquals(List.of(), ioThreads(), "the reader thread is gone");
    }

    private GrpcCall open(RecordingListener listener) throws IOException {
        call =
                GrpcCall.start(
                        Connections.open(server.address(), CONNECT_TIMEOUT),
                        "localhost",
                        BytesServer.PATH,
                        listener,
                        MAX_INBOUND);
        return call;
    }

    private static List<Thread> ioThreads() {
        List<Thread> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(GrpcCall.READER_THREAD_NAME) && t.isAlive()) {
                found.add(t);
            }
        }
        return found;
    }

    /** Echoes each message and completes when the client half-closes. */
    private static StreamObserver<byte[]> echo(ServerCallStreamObserver<byte[]> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] message) {
                responses.onNext(message);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    private static byte[] numbered(int i, int size) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) i);
        ByteBuffer.wrap(m).putInt(0, i);
        return m;
    }

    @ParameterizedTest
    @EnumSource(BytesServer.Transport.class)
    void ten_thousand_messages_go_both_ways_in_order(BytesServer.Transport transport)
            throws Exception {
        server = new BytesServer(transport, dir, 0, GrpcCallTest::echo);
        RecordingListener listener = new RecordingListener();
        open(listener);
        int count = 10_000;
        for (int i = 0; i < count; i++) {
            byte[] m = numbered(i, 4 + i % 60);
            call.sendMessage(m, 0, m.length);
        }
        assertTrue(call.halfClose(Duration.ofSeconds(10)), "the half-close went out");
        List<byte[]> got = listener.awaitMessages(count, Duration.ofSeconds(30));
        assertEquals(count, got.size());
        for (int i = 0; i < count; i++) {
            assertArrayEquals(numbered(i, 4 + i % 60), got.get(i), "message " + i);
        }
        GrpcStatus status = listener.awaitClose();
        assertEquals(GrpcStatus.OK, status.code(), status.toString());
        assertEquals("", status.message());
        assertFalse(call.isOpen());
    }

    /** Answers each message with its length and CRC-32, 12 bytes. */
    private static StreamObserver<byte[]> digest(ServerCallStreamObserver<byte[]> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] message) {
                responses.onNext(digestOf(message, 0, message.length));
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    private static byte[] digestOf(byte[] b, int off, int len) {
        CRC32 crc = new CRC32();
        crc.update(b, off, len);
        return ByteBuffer.allocate(12).putInt(len).putLong(crc.getValue()).array();
    }

    @ParameterizedTest
    @EnumSource(BytesServer.Transport.class)
    void messages_larger_than_a_frame_and_than_the_window_arrive_whole(
            BytesServer.Transport transport) throws Exception {
        // A 1 KiB window on the server: every large message waits for WINDOW_UPDATEs many times.
        server = new BytesServer(transport, dir, 1024, GrpcCallTest::digest);
        RecordingListener listener = new RecordingListener();
        open(listener);
        int[] sizes = {0, 1, 16_384 - 5, 16_384 - 4, 16_385, 65_536 + 3, 300_000};
        List<byte[]> expected = new ArrayList<>();
        for (int size : sizes) {
            byte[] m = new byte[size + 7];
            for (int i = 0; i < m.length; i++) {
                m[i] = (byte) (i * 31 + size);
            }
            call.sendMessage(m, 7, size);
            expected.add(digestOf(m, 7, size));
        }
        assertTrue(call.halfClose(Duration.ofSeconds(10)), "the half-close went out");
        List<byte[]> got = listener.awaitMessages(sizes.length, Duration.ofSeconds(30));
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(
                    expected.get(i), got.get(i), "digest of the " + sizes[i] + "-byte message");
        }
        assertEquals(GrpcStatus.OK, listener.awaitClose().code());
    }

    /**
     * Reads nothing until the test calls {@code request}, so flow control pushes back on the
     * client.
     */
    private static final class Withholding {
        final CompletableFuture<ServerCallStreamObserver<byte[]>> responses =
                new CompletableFuture<>();
        final List<byte[]> received = new ArrayList<>();

        StreamObserver<byte[]> open(ServerCallStreamObserver<byte[]> out) {
            out.disableAutoRequest();
            responses.complete(out);
            return new StreamObserver<>() {
                @Override
                public void onNext(byte[] message) {
                    synchronized (received) {
                        received.add(message);
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }

        int receivedCount() {
            synchronized (received) {
                return received.size();
            }
        }
    }

    /** Sends {@code count} numbered messages of {@code size} bytes on its own thread. */
    private static final class Sender extends Thread {
        private final GrpcCall call;
        private final int count;
        private final int size;
        volatile int sent;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Sender(GrpcCall call, int count, int size) {
            super("test-sender");
            this.call = call;
            this.count = count;
            this.size = size;
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < count; i++) {
                    byte[] m = numbered(i, size);
                    call.sendMessage(m, 0, m.length);
                    sent = i + 1;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        void awaitBlocked() throws InterruptedException {
            while (getState() != State.WAITING) {
                assertTrue(isAlive(), "the sender finished without blocking; it sent " + sent);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void server_window_updates_unblock_a_sender_that_filled_the_window() throws Exception {
        Withholding handler = new Withholding();
        server = new BytesServer(BytesServer.Transport.UNIX, dir, 1024, handler::open);
        RecordingListener listener = new RecordingListener();
        open(listener);
        int count = 200;
        Sender sender = new Sender(call, count, 1000);
        sender.start();
        sender.awaitBlocked();
        assertTrue(sender.sent < count, "blocked after " + sender.sent + " messages");
        assertEquals(0, handler.receivedCount());

        handler.responses.get(10, TimeUnit.SECONDS).request(Integer.MAX_VALUE);
        sender.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(null, sender.failure.get());
        assertEquals(count, sender.sent);
        assertTrue(call.halfClose(Duration.ofSeconds(10)), "the half-close went out");
        assertEquals(GrpcStatus.OK, listener.awaitClose().code());
        assertEquals(count, handler.receivedCount());
        for (int i = 0; i < count; i++) {
            assertArrayEquals(numbered(i, 1000), handler.received.get(i), "message " + i);
        }
    }

    @Test
    void a_server_sending_megabytes_never_stalls_on_the_client_window() throws Exception {
        int count = 5000;
        int size = 1024;
        server =
                new BytesServer(
                        BytesServer.Transport.UNIX,
                        dir,
                        0,
                        responses ->
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(byte[] go) {
                                        for (int i = 0; i < count; i++) {
                                            responses.onNext(numbered(i, size));
                                        }
                                        responses.onCompleted();
                                    }

                                    @Override
                                    public void onError(Throwable t) {}

                                    @Override
                                    public void onCompleted() {}
                                });
        RecordingListener listener = new RecordingListener();
        open(listener);
        call.sendMessage(new byte[1], 0, 1);
        // 5 MiB: five times the window the client grants, eighty times the HTTP/2 default.
        List<byte[]> got = listener.awaitMessages(count, Duration.ofSeconds(30));
        for (int i = 0; i < count; i++) {
            assertArrayEquals(numbered(i, size), got.get(i), "message " + i);
        }
        assertEquals(GrpcStatus.OK, listener.awaitClose().code());
    }

    private static final String AWKWARD_MESSAGE = "quota über 100% — 日本 ✓ %41 \"done\"\n";

    private void failWith(boolean sendFirst) throws IOException {
        server =
                new BytesServer(
                        BytesServer.Transport.UNIX,
                        dir,
                        0,
                        responses ->
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(byte[] message) {
                                        if (sendFirst) {
                                            responses.onNext(new byte[] {42});
                                        }
                                        responses.onError(
                                                Status.FAILED_PRECONDITION
                                                        .withDescription(AWKWARD_MESSAGE)
                                                        .asRuntimeException());
                                    }

                                    @Override
                                    public void onError(Throwable t) {}

                                    @Override
                                    public void onCompleted() {}
                                });
    }

    @Test
    void the_status_and_message_in_trailers_reach_onClose_exactly() throws Exception {
        failWith(true);
        RecordingListener listener = new RecordingListener();
        open(listener);
        call.sendMessage(new byte[] {1}, 0, 1);
        GrpcStatus status = listener.awaitClose();
        assertEquals(GrpcStatus.FAILED_PRECONDITION, status.code());
        assertEquals(AWKWARD_MESSAGE, status.message());
        assertEquals("FAILED_PRECONDITION", status.name());
        assertEquals(1, listener.messages().size());
        assertArrayEquals(new byte[] {42}, listener.messages().get(0));
        assertEquals(1, listener.closes.get());
    }

    @Test
    void a_trailers_only_response_reaches_onClose_exactly() throws Exception {
        failWith(false);
        RecordingListener listener = new RecordingListener();
        open(listener);
        call.sendMessage(new byte[] {1}, 0, 1);
        GrpcStatus status = listener.awaitClose();
        assertEquals(GrpcStatus.FAILED_PRECONDITION, status.code());
        assertEquals(AWKWARD_MESSAGE, status.message());
        assertEquals(0, listener.messages().size());
    }

    @Test
    void a_server_shut_down_mid_call_ends_it_once_and_unblocks_the_sender() throws Exception {
        Withholding handler = new Withholding();
        server = new BytesServer(BytesServer.Transport.UNIX, dir, 1024, handler::open);
        RecordingListener listener = new RecordingListener();
        open(listener);
        Sender sender = new Sender(call, 200, 1000);
        sender.start();
        sender.awaitBlocked();

        server.shutdownNow();
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(sender.isAlive(), "the blocked sender returned");
        IOException thrown = assertInstanceOf(IOException.class, sender.failure.get());
        assertTrue(
                thrown.getMessage().startsWith("call to " + server.address() + " has ended: "),
                thrown.getMessage());
        GrpcStatus status = listener.awaitClose();
        assertNotEquals(GrpcStatus.OK, status.code(), status.toString());
        assertFalse(call.isOpen());
        call.close();
        assertEquals(1, listener.closes.get());
        assertTrue(
                thrown.getMessage().endsWith(status.toString()),
                thrown.getMessage() + " vs " + status);
    }

    /** Answers a message holding a size with a message of that size. */
    private static StreamObserver<byte[]> sized(ServerCallStreamObserver<byte[]> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] message) {
                responses.onNext(new byte[ByteBuffer.wrap(message).getInt()]);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    @Test
    void an_inbound_message_over_the_limit_ends_the_call() throws Exception {
        server = new BytesServer(BytesServer.Transport.UNIX, dir, 0, GrpcCallTest::sized);
        RecordingListener listener = new RecordingListener();
        open(listener);
        call.sendMessage(ByteBuffer.allocate(4).putInt(MAX_INBOUND).array(), 0, 4);
        assertEquals(MAX_INBOUND, listener.awaitMessages(1, Duration.ofSeconds(10)).get(0).length);
        call.sendMessage(ByteBuffer.allocate(4).putInt(MAX_INBOUND + 1).array(), 0, 4);
        GrpcStatus status = listener.awaitClose();
        assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, status.code());
        assertEquals(
                server.address() + " sent a message of 4097 bytes; the limit is 4096",
                status.message());
        assertEquals(1, listener.messages().size());
    }

    @Test
    void close_from_another_thread_wakes_the_reader_and_leaves_no_thread() throws Exception {
        server = new BytesServer(BytesServer.Transport.UNIX, dir, 0, GrpcCallTest::echo);
        RecordingListener listener = new RecordingListener();
        open(listener);
        call.sendMessage(new byte[] {7}, 0, 1);
        listener.awaitMessages(1, Duration.ofSeconds(10));
        assertEquals(1, ioThreads().size(), "the reader is running, blocked in read");

        Thread closer = new Thread(call::close, "test-closer");
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(closer.isAlive(), "close() returned");
        assertEquals(List.of(), ioThreads());
        assertEquals(1, listener.closes.get());
        GrpcStatus status = listener.closed.getNow(null);
        assertEquals(GrpcStatus.CANCELLED, status.code());
        assertEquals("cancelled by the client", status.message());
        call.close();
        assertEquals(1, listener.closes.get(), "close is idempotent");
        assertTrue(call.awaitClose(0, TimeUnit.SECONDS));
    }

    @Test
    void sending_in_the_steady_state_allocates_nothing() throws Exception {
        server = new BytesServer(BytesServer.Transport.UNIX, dir, 0, GrpcCallTest::echoNothing);
        RecordingListener listener = new RecordingListener();
        open(listener);
        byte[] m = numbered(1, 200);
        for (int i = 0; i < 20_000; i++) {
            call.sendMessage(m, 0, m.length);
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 10_000; i++) {
            call.sendMessage(m, 0, m.length);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // Well under one byte per message; a contended lock may allocate a queue node now and then.
        assertTrue(allocated < 10_000, allocated + " bytes allocated by 10,000 sends");
        assertTrue(call.isOpen());
    }

    private static StreamObserver<byte[]> echoNothing(ServerCallStreamObserver<byte[]> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] message) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }
}
