package io.vmpulse.collector.host.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams drained on one thread share its read buffer; a partial line must survive the others'
 * reads.
 */
class MetricsStreamSharedBufferTest {

    @TempDir Path dir;

    @Test
    void a_partial_line_survives_another_stream_drained_on_the_same_thread() throws Exception {
        Path a = dir.resolve("a.metrics");
        Path b = dir.resolve("b.metrics");
        Files.writeString(a, "{\"first\":1}\n{\"half");
        Files.writeString(b, "{\"other\":2}\n{\"other\":3}\n");
        Lines fromA = new Lines();
        Lines fromB = new Lines();
        try (MetricsStream sa = new MetricsStream(a, 1024);
                MetricsStream sb = new MetricsStream(b, 1024)) {
            sa.drain(fromA);
            sb.drain(fromB);
            Files.writeString(a, "\":2}\n", StandardOpenOption.APPEND);
            sa.drain(fromA);
        }
        assertEquals(List.of("{\"first\":1}", "{\"half\":2}"), fromA.lines);
        assertEquals(List.of("{\"other\":2}", "{\"other\":3}"), fromB.lines);
    }

    private static final class Lines implements MetricsStream.Sink {
        final List<String> lines = new ArrayList<>();

        @Override
        public void line(byte[] bytes, int offset, int length) {
            lines.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void overlong() {
            lines.add("<overlong>");
        }
    }
}
