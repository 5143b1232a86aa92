package io.vmpulse.collector.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A VMM API stand-in for tests: an HTTP/1.1 server on a real Unix socket, one connection at a time,
 * answering each request with what {@link Handler} returns. It records every request and counts
 * connections. By default it closes a connection after one answer; with keep-alive it serves
 * request after request on it until the client closes it, as micro_http does.
 */
public final class UnixHttpServer implements AutoCloseable {

    public record Request(String method, String target, String body) {}

    /** A raw answer: the exact bytes to write, so that tests can frame it as they need. */
    @FunctionalInterface
    public interface Handler {
        /** The bytes to answer with, or null to accept and never answer. */
        byte[] answer(Request request) throws IOException;
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger connections = new AtomicInteger();
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Path path;

    public UnixHttpServer(Path path, Handler handler) throws IOException {
        this(path, handler, false);
    }

    public UnixHttpServer(Path path, Handler handler, boolean keepAlive) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        thread = new Thread(() -> serve(handler, keepAlive), "unix-http-server");
        thread.setDaemon(true);
        thread.start();
    }

    public static byte[] json(int status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return concat(
                ("HTTP/1.1 "
                                + status
                                + " X\r\nContent-Type: application/json\r\nContent-Length: "
                                + b.length
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                b);
    }

    public static byte[] noContent() {
        return "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    /** The body in chunks of {@code size} bytes, Transfer-Encoding: chunked. */
    public static byte[] chunked(int status, String body, int size) {
        StringBuilder sb =
                new StringBuilder(
                        "HTTP/1.1 " + status + " X\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < body.length(); i += size) {
            String part = body.substring(i, Math.min(body.length(), i + size));
            sb.append(Integer.toHexString(part.length()))
                    .append("\r\n")
                    .append(part)
                    .append("\r\n");
        }
        return sb.append("0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private void serve(Handler handler, boolean keepAlive) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                connections.incrementAndGet();
                do {
                    Request r = readRequest(c);
                    requests.add(r);
                    byte[] answer = handler.answer(r);
                    if (answer == null) {
                        // Accept and never answer: hold the connection until the client gives up.
                        ByteBuffer sink = ByteBuffer.allocate(256);
                        int n;
                        do {
                            n = c.read(sink.clear());
                        } while (n >= 0);
                        break;
                    }
                    ByteBuffer out = ByteBuffer.wrap(answer);
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                } while (keepAlive);
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static Request readRequest(SocketChannel c) throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (true) {
            String text = in.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                int length = 0;
                for (String h : text.substring(0, end).split("\r\n")) {
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    }
                }
                if (text.length() >= end + 4 + length) {
                    String[] line = text.substring(0, text.indexOf("\r\n")).split(" ");
                    return new Request(line[0], line[1], text.substring(end + 4, end + 4 + length));
                }
            }
            int n = c.read(buf.clear());
            if (n < 0) {
                throw new IOException("client closed before a whole request");
            }
            in.write(buf.array(), 0, n);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
