package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import io.vmpulse.agent.testing.Prerequisites;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections on this machine only: Unix sockets, 127.0.0.1, and for vsock what the kernel allows
 * without a peer (DESIGN.md, "Testing with real parts"): never CID 2 or any real CID.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir Path dir;

    /** libc calls the vsock descriptor tests need, through ordinary JNA (tests may allocate). */
    interface TestSockets extends Library {
        TestSockets C = Native.load("c", TestSockets.class);
        int AF_UNIX = 1;
        int SOCK_STREAM = 1;
        int F_GETFD = 1;
        int EBADF = 9;

        int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

        int fcntl(int fd, int cmd) throws LastErrorException;

        long write(int fd, byte[] buf, long count) throws LastErrorException;

        long read(int fd, byte[] buf, long count) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    @Test
    void a_unix_connection_carries_bytes_both_ways_and_close_wakes_a_blocked_reader()
            throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            exchange(
                    Connections.open(CollectorAddress.parse("unix://" + socket), TIMEOUT),
                    listener);
        }
    }

    @Test
    void a_tcp_connection_carries_bytes_both_ways_and_close_wakes_a_blocked_reader()
            throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            exchange(
                    Connections.open(CollectorAddress.parse("tcp://127.0.0.1:" + port), TIMEOUT),
                    listener);
        }
    }

    private static void exchange(Connection connection, ServerSocketChannel listener)
            throws Exception {
        try (SocketChannel peer = listener.accept()) {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            connection.write(hello, 0, hello.length);
            ByteBuffer got = ByteBuffer.allocate(5);
            while (got.hasRemaining()) {
                peer.read(got);
            }
            assertEquals("hello", new String(got.array(), StandardCharsets.US_ASCII));

            peer.write(ByteBuffer.wrap("world".getBytes(StandardCharsets.US_ASCII)));
            byte[] in = new byte[16];
            int n = 0;
            while (n < 5) {
                n += connection.read(in, 3 + n, in.length - 3 - n);
            }
            assertEquals("world", new String(in, 3, 5, StandardCharsets.US_ASCII));

            assertBlockedReadEndsOnClose(connection);
        }
    }

    private static void assertBlockedReadEndsOnClose(Connection connection) throws Exception {
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread reader =
                new Thread(
                        () -> {
                            try {
                                result.complete(connection.read(new byte[8], 0, 8));
                            } catch (IOException e) {
                                result.complete(e);
                            }
                        },
                        "test-reader");
        reader.start();
        while (reader.getState() == Thread.State.NEW
                || reader.getState() == Thread.State.RUNNABLE && !isInRead(reader)) {
            Thread.sleep(10);
        }
        connection.close();
        assertEquals(-1, result.get(5, TimeUnit.SECONDS), "a read blocked before close returns -1");
        connection.close();
        assertEquals(-1, connection.read(new byte[8], 0, 8), "read after close");
        assertThrows(IOException.class, () -> connection.write(new byte[1], 0, 1));
    }

    /** Blocking socket reads show up as RUNNABLE in native code; wait until the thread is there. */
    private static boolean isInRead(Thread t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.isNativeMethod()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void a_missing_unix_socket_fails_naming_the_address() {
        Path socket = dir.resolve("nobody.sock");
        IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                Connections.open(
                                        CollectorAddress.parse("unix://" + socket), TIMEOUT));
        assertTrue(
                e.getMessage().startsWith("cannot connect to unix://" + socket + ": "),
                e.getMessage());
    }

    @Test
    void a_refused_tcp_connect_fails_naming_the_address() throws Exception {
        int port;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        }
        IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                Connections.open(
                                        CollectorAddress.parse("tcp://127.0.0.1:" + port),
                                        TIMEOUT));
        assertTrue(
                e.getMessage().startsWith("cannot connect to tcp://127.0.0.1:" + port + ": "),
                e.getMessage());
    }

    @Test
    void a_vsock_connect_to_the_local_cid_fails_naming_the_address() {
        // VMADDR_CID_LOCAL: this machine has no vsock loopback, so nothing answers. Never CID 2.
        CollectorAddress address = CollectorAddress.parse("vsock://1:49152");
        IOException e = assertThrows(IOException.class, () -> Connections.open(address, TIMEOUT));
        Prerequisites.require(
                !(e instanceof NativeSocketConnection.VsockUnsupportedException),
                "this kernel has no AF_VSOCK");
        assertTrue(
                e.getMessage().startsWith("cannot connect to vsock://1:49152: "), e.getMessage());
        assertTrue(e.getMessage().matches(".*: .+ \\(errno \\d+\\)"), e.getMessage());
    }

    @Test
    void the_vsock_descriptor_is_shut_down_to_wake_a_reader_and_closed_once_unused()
            throws Exception {
        // The descriptor logic is the same for any stream socket; a socketpair stands in for a
        // vsock peer.
        int[] pair = new int[2];
        TestSockets.C.socketpair(TestSockets.AF_UNIX, TestSockets.SOCK_STREAM, 0, pair);
        Connection connection =
                new NativeSocketConnection(pair[0], new CollectorAddress.Vsock(3, 1234));
        try {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            connection.write(hello, 0, hello.length);
            byte[] got = new byte[5];
            assertEquals(5, TestSockets.C.read(pair[1], got, 5));
            assertEquals("hello", new String(got, StandardCharsets.US_ASCII));
            TestSockets.C.write(pair[1], "world".getBytes(StandardCharsets.US_ASCII), 5);
            byte[] in = new byte[10];
            assertEquals(5, connection.read(in, 2, 8));
            assertEquals("world", new String(in, 2, 5, StandardCharsets.US_ASCII));

            assertBlockedReadEndsOnClose(connection);
            LastErrorException closed =
                    assertThrows(
                            LastErrorException.class,
                            () -> TestSockets.C.fcntl(pair[0], TestSockets.F_GETFD));
            assertEquals(
                    TestSockets.EBADF, closed.getErrorCode(), "the descriptor itself is closed");
            assertFalse(Thread.interrupted());
        } finally {
            TestSockets.C.close(pair[1]);
        }
    }
}
