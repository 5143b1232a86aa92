package io.vmpulse.collector.host.qemu;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vmpulse.collector.host.uds.TimeoutHold;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import io.vmpulse.collector.host.uds.UnixSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A QMP client on QEMU's monitor Unix socket: reads the greeting, negotiates with {@code
 * qmp_capabilities}, then runs one command at a time, skipping the asynchronous events that QEMU
 * interleaves. The connection stays open between commands (a QMP socket serves one client at a
 * time); every command ends by a deadline.
 */
public final class QmpClient implements AutoCloseable {

    /** QEMU's answers to the queries used here are a few KiB; anything above is refused. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;

    private final Path path;
    private final long timeoutNanos;
    private final TimeoutHold hold;
    private final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private UnixSocket socket;

    public QmpClient(Path path, Duration timeout) {
        this.path = path;
        this.timeoutNanos = timeout.toNanos();
        this.hold = new TimeoutHold(timeoutNanos * UnixHttpClient.BACKOFF_TIMEOUTS);
    }

    /**
     * Runs {@code command} (connecting and negotiating first if needed) and returns its {@code
     * return} value. After a timeout, fails at once for a while (as {@link UnixHttpClient}).
     */
    public JsonElement execute(String command) throws IOException {
        hold.check(path);
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            if (socket == null) {
                open(deadline);
            }
            JsonElement result = call(command, deadline);
            hold.record(null);
            return result;
        } catch (IOException e) {
            hold.record(e);
            close();
            throw e;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void open(long deadline) throws IOException {
        socket = UnixSocket.connect(path, deadline);
        chunk.clear().flip();
        line.reset();
        JsonObject greeting = nextMessage(deadline);
        if (!greeting.has("QMP")) {
            throw new IOException("not a QMP greeting from " + path);
        }
        call("qmp_capabilities", deadline);
    }

    private JsonElement call(String command, long deadline) throws IOException {
        byte[] request =
                ("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.US_ASCII);
        socket.writeFully(ByteBuffer.wrap(request), deadline);
        while (true) {
            JsonObject m = nextMessage(deadline);
            if (m.has("return")) {
                return m.get("return");
            }
            if (m.has("error")) {
                JsonObject err = m.getAsJsonObject("error");
                throw new IOException(
                        command
                                + ": "
                                + (err.has("desc") ? err.get("desc").getAsString() : "error"));
            }
            // {"event": ...}: asynchronous, not ours.
        }
    }

    /** The next JSON object; QMP ends each message with a newline. */
    private JsonObject nextMessage(long deadline) throws IOException {
        while (true) {
            while (chunk.hasRemaining()) {
                byte b = chunk.get();
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8).trim();
                line.reset();
                if (text.isEmpty()) {
                    continue;
                }
                try {
                    return JsonParser.parseString(text).getAsJsonObject();
                } catch (RuntimeException e) {
                    throw new IOException("QMP sent something that is not a JSON object");
                }
            }
            if (line.size() > MAX_MESSAGE_BYTES) {
                throw new IOException("QMP message over " + MAX_MESSAGE_BYTES + " bytes");
            }
            chunk.clear();
            int n = socket.read(chunk, deadline);
            chunk.flip();
            if (n < 0) {
                throw new IOException("QMP closed the connection");
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
