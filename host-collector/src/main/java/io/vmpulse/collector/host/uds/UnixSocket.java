package io.vmpulse.collector.host.uds;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A Unix stream socket whose every operation ends by a deadline ({@code System.nanoTime()}), so a
 * VMM that accepts and never answers costs the caller a bounded wait and nothing more. Non-blocking
 * channel plus a selector of its own; not thread-safe.
 */
public final class UnixSocket implements AutoCloseable {

    private final Path path;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;

    private UnixSocket(Path path, SocketChannel channel, Selector selector) throws IOException {
        this.path = path;
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, 0);
    }

    /** Connects to {@code path} by {@code deadlineNanos}. */
    public static UnixSocket connect(Path path, long deadlineNanos) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            UnixSocket socket = new UnixSocket(path, channel, selector);
            if (!channel.connect(UnixDomainSocketAddress.of(path))) {
                socket.await(SelectionKey.OP_CONNECT, deadlineNanos, "connect");
                channel.finishConnect();
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    public void writeFully(ByteBuffer src, long deadlineNanos) throws IOException {
        while (src.hasRemaining()) {
            if (channel.write(src) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos, "write");
            }
        }
    }

    /** Reads at least one byte into {@code dst} by the deadline; -1 when the peer has closed. */
    public int read(ByteBuffer dst, long deadlineNanos) throws IOException {
        while (true) {
            int n = channel.read(dst);
            if (n != 0) {
                return n;
            }
            await(SelectionKey.OP_READ, deadlineNanos, "read");
        }
    }

    private void await(int op, long deadlineNanos, String what) throws IOException {
        key.interestOps(op);
        long left = deadlineNanos - System.nanoTime();
        long millis = left <= 0 ? 0 : Math.max(1, left / 1_000_000);
        if (millis == 0 || selector.select(millis) == 0 && System.nanoTime() - deadlineNanos >= 0) {
            throw new SocketTimeoutException(what + " timed out on " + path);
        }
        selector.selectedKeys().clear();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // Nothing was pending on it.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // The exchange is over either way.
        }
    }
}
