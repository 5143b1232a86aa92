package io.vmpulse.agent.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A TCP {@link Connection} on a blocking {@link SocketChannel}. Closing the channel from another
 * thread wakes a thread blocked in read (the JDK signals it), so no extra machinery is needed.
 *
 * <p>Each direction keeps the {@link ByteBuffer} that wraps the caller's array, so a caller that
 * reuses one array (as {@link GrpcCall} does) costs no allocation per read or write.
 */
final class SocketChannelConnection implements Connection {

    private final SocketChannel channel;
    private final CollectorAddress address;
    private ByteBuffer readView;
    private ByteBuffer writeView;

    private SocketChannelConnection(SocketChannel channel, CollectorAddress address) {
        this.channel = channel;
        this.address = address;
    }

    /**
     * TCP connects with the JDK's timed blocking connect ({@code socket().connect(addr, ms)}),
     * which polls the one socket and so needs no Selector.
     */
    static Connection open(CollectorAddress.Tcp tcp, Duration connectTimeout) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            // Samples are small and latency matters more than packet count.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            channel.socket().connect(new InetSocketAddress(tcp.host(), tcp.port()), millis);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new IOException("cannot connect to " + tcp + ": " + e, e);
        }
        return new SocketChannelConnection(channel, tcp);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ByteBuffer view = readView;
        if (view == null || view.array() != b) {
            view = ByteBuffer.wrap(b);
            readView = view;
        }
        view.clear().limit(off + len).position(off);
        try {
            return channel.read(view);
        } catch (ClosedChannelException e) {
            return -1;
        } catch (IOException e) {
            throw new IOException("reading from " + address + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer view = writeView;
        if (view == null || view.array() != b) {
            view = ByteBuffer.wrap(b);
            writeView = view;
        }
        view.clear().limit(off + len).position(off);
        try {
            while (view.hasRemaining()) {
                channel.write(view);
            }
        } catch (ClosedChannelException e) {
            throw new IOException("connection to " + address + " is closed", e);
        } catch (IOException e) {
            throw new IOException("writing to " + address + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The descriptor is released whatever close reports; there is nothing left to undo.
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
