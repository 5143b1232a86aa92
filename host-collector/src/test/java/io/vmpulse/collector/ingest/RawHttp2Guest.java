package io.vmpulse.collector.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile guest that speaks HTTP/2 by hand over a real Unix socket, frame by frame, so it can do
 * what no well-behaved gRPC client would: announce a message larger than any limit and stream it,
 * reset streams as fast as it opens them, flood pings and settings, send endless CONTINUATION
 * frames or oversized headers. A reader thread answers the server's SETTINGS and keeps the send
 * windows, and records how the server cut it off.
 */
final class RawHttp2Guest implements AutoCloseable {

    static final int DATA = 0,
            HEADERS = 1,
            RST_STREAM = 3,
            SETTINGS = 4,
            PING = 6,
            GOAWAY = 7,
            WINDOW_UPDATE = 8,
            CONTINUATION = 9;
    static final int END_STREAM = 0x1, END_HEADERS = 0x4, ACK = 0x1;
    private static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FRAME = 16_384;

    private final SocketChannel ch;
    private final Thread reader;
    final CountDownLatch closed = new CountDownLatch(1);
    final AtomicLong goaways = new AtomicLong();
    final AtomicLong resets = new AtomicLong();

    /**
     * HEADERS frames from the server that end their stream: trailers, or a refusal such as HTTP
     * 431.
     */
    final AtomicLong streamsEnded = new AtomicLong();

    volatile int goawayError = -1;
    volatile String goawayDebug = "";
    private final Object windowLock = new Object();
    private long connectionWindow = 65_535;
    private long streamWindow = 65_535;
    private long initialStreamWindow = 65_535;
    private volatile int resetStream;

    RawHttp2Guest(Path socket) throws IOException {
        this(socket, true);
    }

    /**
     * @param reading false: never read what the server sends (a guest that lets replies pile up)
     */
    RawHttp2Guest(Path socket, boolean reading) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        try {
            write(ByteBuffer.wrap(PREFACE));
            frame(SETTINGS, 0, 0, new byte[0]);
        } catch (IOException e) {
            // A server that refuses the connection may close it before the preface is out
            // (EPIPE): that is being cut off, which wasCutOff reports, not a failure to connect.
            closed.countDown();
        }
        reader = new Thread(reading ? this::readLoop : () -> {}, "raw-h2-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Writes bytes as they are, framing or not. */
    void raw(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    /** Opens a gRPC call to the GuestReport service on {@code stream}, headers in one frame. */
    void openCall(int stream) throws IOException {
        synchronized (windowLock) {
            streamWindow = initialStreamWindow;
        }
        frame(HEADERS, END_HEADERS, stream, callHeaders());
    }

    static byte[] callHeaders() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        literal(b, ":method", "POST");
        literal(b, ":scheme", "http");
        literal(b, ":path", "/vmpulse.agent.v1.GuestReport/Report");
        literal(b, ":authority", "localhost");
        literal(b, "content-type", "application/grpc");
        literal(b, "te", "trailers");
        return b.toByteArray();
    }

    /** HPACK "literal header field without indexing, new name", no Huffman coding. */
    static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0);
        string(b, name.getBytes(StandardCharsets.US_ASCII));
        string(b, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static void string(ByteArrayOutputStream b, byte[] s) {
        int n = s.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            b.write(n);
        }
        b.writeBytes(s);
    }

    /** The 5-byte gRPC message prefix: not compressed, then the length. */
    static byte[] grpcPrefix(long length) {
        return new byte[] {
            0, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length
        };
    }

    /**
     * Sends {@code payload} as DATA on {@code stream}, obeying flow control, and stops early when
     * the server resets the stream or the connection. Returns the payload bytes the server let in.
     */
    long sendData(int stream, byte[] payload, long waitMillis)
            throws IOException, InterruptedException {
        long sent = 0;
        while (sent < payload.length) {
            int n;
            synchronized (windowLock) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
                while ((connectionWindow <= 0 || streamWindow <= 0) && !isCut(stream)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return sent;
                    }
                    windowLock.wait(Math.max(1, left / 1_000_000));
                }
                if (isCut(stream)) {
                    return sent;
                }
                n =
                        (int)
                                Math.min(
                                        Math.min(MAX_FRAME, payload.length - sent),
                                        Math.min(connectionWindow, streamWindow));
                connectionWindow -= n;
                streamWindow -= n;
            }
            byte[] chunk = new byte[n];
            System.arraycopy(payload, (int) sent, chunk, 0, n);
            try {
                frame(DATA, 0, stream, chunk);
            } catch (IOException e) {
                return sent;
            }
            sent += n;
        }
        return sent;
    }

    /**
     * Streams {@code total} bytes of one message (prefix included) without holding them in memory.
     */
    long streamMessage(int stream, long total, long waitMillis)
            throws IOException, InterruptedException {
        byte[] chunk = new byte[MAX_FRAME];
        byte[] prefix = grpcPrefix(total - 5);
        System.arraycopy(prefix, 0, chunk, 0, 5);
        long sent = 0;
        while (sent < total) {
            int n = (int) Math.min(chunk.length, total - sent);
            byte[] part = n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n);
            long in = sendData(stream, part, waitMillis);
            sent += in;
            if (in < n) {
                return sent;
            }
            if (sent == chunk.length) {
                chunk = new byte[MAX_FRAME];
            }
        }
        return sent;
    }

    private boolean isCut(int stream) {
        return resetStream == stream || goawayError >= 0 || closed.getCount() == 0;
    }

    boolean wasCutOff(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (goawayError < 0 && closed.getCount() != 0) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16))
                .put((byte) (payload.length >>> 8))
                .put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream & 0x7fffffff).put(payload).flip();
        write(b);
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void readLoop() {
        try {
            ByteBuffer head = ByteBuffer.allocate(9);
            while (true) {
                head.clear();
                readFully(head);
                head.flip();
                int len =
                        ((head.get() & 0xff) << 16)
                                | ((head.get() & 0xff) << 8)
                                | (head.get() & 0xff);
                int type = head.get() & 0xff;
                int flags = head.get() & 0xff;
                int stream = head.getInt() & 0x7fffffff;
                ByteBuffer body = ByteBuffer.allocate(len);
                readFully(body);
                body.flip();
                onFrame(type, flags, stream, body);
            }
        } catch (IOException | RuntimeException e) {
            // The server closed the connection (or the test did).
        } finally {
            closed.countDown();
            synchronized (windowLock) {
                windowLock.notifyAll();
            }
        }
    }

    private void onFrame(int type, int flags, int stream, ByteBuffer body) throws IOException {
        if (Boolean.getBoolean("rawh2.debug")) {
            System.out.println(
                    System.nanoTime() / 1_000_000
                            + " frame type "
                            + type
                            + " flags "
                            + flags
                            + " stream "
                            + stream
                            + " len "
                            + body.remaining());
        }
        switch (type) {
            case SETTINGS -> {
                if ((flags & ACK) == 0) {
                    while (body.remaining() >= 6) {
                        int id = body.getShort() & 0xffff;
                        long value = body.getInt() & 0xffffffffL;
                        if (id == 4) {
                            synchronized (windowLock) {
                                streamWindow += value - initialStreamWindow;
                                initialStreamWindow = value;
                            }
                        }
                    }
                    frame(SETTINGS, ACK, 0, new byte[0]);
                }
            }
            case WINDOW_UPDATE -> {
                long inc = body.getInt() & 0x7fffffffL;
                synchronized (windowLock) {
                    if (stream == 0) {
                        connectionWindow += inc;
                    } else {
                        streamWindow += inc;
                    }
                    windowLock.notifyAll();
                }
            }
            case HEADERS -> {
                if ((flags & END_STREAM) != 0) {
                    streamsEnded.incrementAndGet();
                }
            }
            case RST_STREAM -> {
                resets.incrementAndGet();
                resetStream = stream;
                synchronized (windowLock) {
                    windowLock.notifyAll();
                }
            }
            case GOAWAY -> {
                body.getInt();
                int error = body.getInt();
                byte[] debug = new byte[body.remaining()];
                body.get(debug);
                goawayDebug = new String(debug, StandardCharsets.UTF_8);
                goaways.incrementAndGet();
                goawayError = error;
                synchronized (windowLock) {
                    windowLock.notifyAll();
                }
            }
            default -> {}
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("closed");
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        ch.close();
        reader.join(5_000);
    }
}
