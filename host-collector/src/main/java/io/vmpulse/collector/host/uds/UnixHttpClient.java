package io.vmpulse.collector.host.uds;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The smallest HTTP/1.1 client that talks to a VMM's API on a Unix socket (Firecracker, Cloud
 * Hypervisor): a deadline over the whole exchange (connect, write, read), bodies framed by {@code
 * Content-Length}, {@code chunked}, or the end of the connection, and a size cap so that a confused
 * peer cannot make it buffer without end.
 *
 * <p>The connection is kept open from one request to the next: both VMMs serve the API with
 * micro_http, which keeps every connection until the client closes it (it answers {@code
 * Connection: keep-alive} whatever the request says). A new connection per request cost a socket, a
 * connect and a selector each time; at 1,000 VMs flushed every second that was a measurable part of
 * the collector's CPU. The price: one of the ten connections micro_http allows is held per VM, and
 * three file descriptors (socket and selector) by the collector. Any failure, a timeout included,
 * closes the connection, so a late answer can never be taken for the next one's. Not thread-safe:
 * one request at a time.
 */
public final class UnixHttpClient implements AutoCloseable {

    /** Far more than any VMM API answer; an answer above this is refused. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** Status and body of an answer. */
    public record Response(int status, String body) {
        public boolean isSuccess() {
            return status >= 200 && status < 300;
        }
    }

    /** After a timeout, requests fail at once for this many timeouts' worth of time. */
    public static final int BACKOFF_TIMEOUTS = 10;

    private final Path socket;
    private final long timeoutNanos;
    private final TimeoutHold hold;

    /** Open between requests while the VMM keeps it; null before the first and after a failure. */
    private UnixSocket connection;

    public UnixHttpClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeoutNanos = timeout.toNanos();
        this.hold = new TimeoutHold(timeoutNanos * BACKOFF_TIMEOUTS);
    }

    public Path socket() {
        return socket;
    }

    /**
     * Sends one request and returns the answer, or throws naming what went wrong (timeouts
     * included). Within {@link #BACKOFF_TIMEOUTS} timeouts of a timeout it fails at once.
     */
    public Response request(String method, String target, String jsonBody) throws IOException {
        hold.check(socket);
        try {
            Response r = exchange(method, target, jsonBody);
            hold.record(null);
            return r;
        } catch (IOException e) {
            hold.record(e);
            throw e;
        }
    }

    private Response exchange(String method, String target, String jsonBody) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
        String head =
                method
                        + " "
                        + target
                        + " HTTP/1.1\r\n"
                        + "Host: localhost\r\n"
                        + "Accept: application/json\r\n"
                        + (jsonBody == null ? "" : "Content-Type: application/json\r\n")
                        + "Content-Length: "
                        + body.length
                        + "\r\n\r\n";
        ByteBuffer request = ByteBuffer.allocate(head.length() + body.length);
        request.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
        if (connection != null) {
            try {
                return exchangeOn(connection, request, deadline);
            } catch (ClosedBeforeAnswer idle) {
                // The VMM closed the kept connection while it was idle (it restarted, or it closes
                // after each answer): once more on a new one. Repeating the request is harmless:
                // these are reads, and a second FlushMetrics only writes one more line of deltas.
                request.rewind();
            }
        }
        connection = UnixSocket.connect(socket, deadline);
        return exchangeOn(connection, request, deadline);
    }

    /**
     * One request and its answer on {@code s}; closes the connection unless it can carry the next.
     */
    private Response exchangeOn(UnixSocket s, ByteBuffer request, long deadline)
            throws IOException {
        try {
            try {
                s.writeFully(request, deadline);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException peerGone) {
                throw new ClosedBeforeAnswer(socket, peerGone);
            }
            Answer a = readResponse(s, deadline);
            if (!a.reusable()) {
                close();
            }
            return a.response();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** An answer, and whether the connection may carry another request. */
    private record Answer(Response response, boolean reusable) {}

    /** The peer closed the connection before a byte of the answer came. */
    private static final class ClosedBeforeAnswer extends IOException {
        ClosedBeforeAnswer(Path socket, IOException cause) {
            super("connection closed before an answer by " + socket, cause);
        }
    }

    private Answer readResponse(UnixSocket s, long deadline) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream(512);
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        Head head = null;
        while (true) {
            byte[] all = received.toByteArray();
            if (head == null) {
                head = Head.parse(all);
            }
            if (head != null) {
                String done = head.bodyIfComplete(all);
                if (done != null) {
                    return new Answer(
                            new Response(head.status, done), head.reusableAfter(all.length));
                }
            }
            chunk.clear();
            int n;
            try {
                n = s.read(chunk, deadline);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException reset) {
                // A peer that closed with our request unread resets the connection.
                if (all.length == 0) {
                    throw new ClosedBeforeAnswer(socket, reset);
                }
                throw reset;
            }
            if (n < 0) {
                if (head != null && head.endsAtClose()) {
                    return new Answer(
                            new Response(
                                    head.status,
                                    new String(
                                            all,
                                            head.bodyStart,
                                            all.length - head.bodyStart,
                                            StandardCharsets.UTF_8)),
                            false);
                }
                if (all.length == 0) {
                    throw new ClosedBeforeAnswer(socket, null);
                }
                throw new IOException("connection closed mid-answer by " + socket);
            }
            if (received.size() + n > MAX_RESPONSE_BYTES) {
                throw new IOException(
                        "answer over " + MAX_RESPONSE_BYTES + " bytes from " + socket);
            }
            received.write(chunk.array(), 0, n);
        }
    }

    /** Closes the kept connection, if any; the next request opens a new one. */
    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /** Status line and the headers that frame the body. */
    private record Head(
            int status, int bodyStart, long contentLength, boolean chunked, boolean persistent) {

        static Head parse(byte[] data) throws IOException {
            int end = indexOf(data, 0, "\r\n\r\n");
            if (end < 0) {
                return null;
            }
            String[] lines = new String(data, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + truncate(lines[0]));
            }
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad HTTP status: " + truncate(lines[0]));
            }
            long length = -1;
            boolean chunked = false;
            // HTTP/1.1 connections persist unless a side says close; HTTP/1.0 ones only when asked.
            boolean persistent = statusLine[0].equals("HTTP/1.1");
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + truncate(value));
                    }
                } else if (name.equals("transfer-encoding")
                        && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                } else if (name.equals("connection")) {
                    String v = value.toLowerCase(Locale.ROOT);
                    persistent = v.contains("keep-alive") || persistent && !v.contains("close");
                }
            }
            boolean noBody = status / 100 == 1 || status == 204 || status == 304;
            return new Head(status, end + 4, noBody ? 0 : length, !noBody && chunked, persistent);
        }

        /**
         * Whether the next request may use this connection, the answer having ended at {@code
         * received} bytes: not when the peer means to close, and not unless exactly this answer
         * came (a chunked body's end is not measured here, so it counts as not).
         */
        boolean reusableAfter(int received) {
            return persistent
                    && !chunked
                    && contentLength >= 0
                    && received == bodyStart + contentLength;
        }

        boolean endsAtClose() {
            return !chunked && contentLength < 0;
        }

        /** The body if all of it has arrived, else null. */
        String bodyIfComplete(byte[] data) throws IOException {
            if (chunked) {
                return dechunk(data, bodyStart);
            }
            if (contentLength >= 0 && data.length - bodyStart >= contentLength) {
                return new String(data, bodyStart, (int) contentLength, StandardCharsets.UTF_8);
            }
            return null;
        }

        private static String dechunk(byte[] data, int from) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int at = from;
            while (true) {
                int eol = indexOf(data, at, "\r\n");
                if (eol < 0) {
                    return null;
                }
                String sizeText = new String(data, at, eol - at, StandardCharsets.ISO_8859_1);
                int semicolon = sizeText.indexOf(';');
                int size;
                try {
                    size =
                            Integer.parseInt(
                                    (semicolon < 0 ? sizeText : sizeText.substring(0, semicolon))
                                            .trim(),
                                    16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + truncate(sizeText));
                }
                at = eol + 2;
                if (size == 0) {
                    return indexOf(data, at, "\r\n") < 0
                            ? null
                            : body.toString(StandardCharsets.UTF_8);
                }
                if (data.length < at + size + 2) {
                    return null;
                }
                body.write(data, at, size);
                at += size + 2;
            }
        }
    }

    private static int indexOf(byte[] data, int from, String ascii) {
        outer:
        for (int i = from; i + ascii.length() <= data.length; i++) {
            for (int k = 0; k < ascii.length(); k++) {
                if (data[i + k] != ascii.charAt(k)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String truncate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
