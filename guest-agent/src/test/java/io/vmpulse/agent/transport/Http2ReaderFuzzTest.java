package io.vmpulse.agent.transport;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;

/**
 * The agent's HPACK decoder and its HTTP/2 frame reader fed arbitrary bytes, as a hostile or broken
 * collector would send them. The decoder either decodes or throws Http2Exception; the reader ends
 * the call with a status of its own (protocol error, unavailable), never through an unexpected
 * exception (which it would report as "call listener failed"), and never hangs. `mvn verify`
 * replays the corpus in src/test/resources; docs/fuzzing.md says how to fuzz.
 *
 * <p>The frame reader runs on the fuzzing thread ({@link GrpcCall#readUntilEnd}), the same loop the
 * agent's reader thread runs: starting and joining a thread per input cost more than the reading
 * itself. A hang is then libFuzzer's per-input timeout.
 */
class Http2ReaderFuzzTest {

    @FuzzTest(maxDuration = "3h")
    void hpack_decodes_or_reports_a_protocol_error(byte[] block) {
        HpackDecoder decoder = new HpackDecoder(4096, 8192);
        try {
            decoder.decode(block, 0, block.length, (name, value) -> {});
            // The same decoder again: the dynamic table the first block left must stay consistent.
            decoder.decode(block, 0, block.length, (name, value) -> {});
        } catch (Http2Exception e) {
            // the documented failure
        }
    }

    @FuzzTest(maxDuration = "3h")
    void the_frame_reader_ends_the_call_with_its_own_status(byte[] fromServer) throws Exception {
        RecordingListener listener = new RecordingListener();
        GrpcCall call =
                GrpcCall.open(
                        new ScriptedConnection(fromServer), "localhost", "/t.S/M", listener, 4096);
        try {
            call.readUntilEnd();
        } finally {
            call.close();
        }
        if (listener.closes.get() != 1) {
            throw new AssertionError("onClose ran " + listener.closes.get() + " times");
        }
        GrpcStatus status = listener.closed.getNow(null);
        if (status.message() != null && status.message().startsWith("call listener failed")) {
            throw new AssertionError("the reader failed on its input: " + status);
        }
    }

    /** Replays the fuzzer's bytes as what the server sent, then end of stream; swallows writes. */
    private static final class ScriptedConnection implements Connection {
        private final byte[] in;
        private int at;

        ScriptedConnection(byte[] in) {
            this.in = in;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            if (at >= in.length) {
                return -1;
            }
            int n = Math.min(len, in.length - at);
            System.arraycopy(in, at, b, off, n);
            at += n;
            return n;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {}

        @Override
        public int writeNow(byte[] b, int off, int len) {
            return len;
        }

        @Override
        public void close() {}

        @Override
        public String toString() {
            return "fuzz";
        }
    }
}
