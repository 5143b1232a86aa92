package io.vmpulse.exporter.exposition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The page's numbers and strings, byte for byte against what the JDK and the library write. */
class Utf8OutTest {

    private static String value(double d) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Utf8Out out = new Utf8Out(bytes);
        out.value(d);
        out.flush();
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void whole_numbers_are_written_as_double_to_string_writes_them() throws IOException {
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 9_999_999.0));
        for (long p = 1; p < (1L << 53); p *= 10) {
            values.add((double) p);
            values.add((double) (p - 1));
            values.add((double) (p + 1));
            values.add((double) -p);
        }
        values.add((double) ((1L << 53) - 1));
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 200_000; i++) {
            long v = random.nextLong(1L << random.nextInt(1, 54));
            values.add((double) (random.nextBoolean() ? v : -v));
        }
        for (double d : values) {
            assertEquals(Double.toString(d), value(d), "the library writes Double.toString");
        }
    }

    @Test
    void nanosecond_counters_in_seconds_parse_back_to_the_same_double() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long nanos = random.nextLong(1L << random.nextInt(1, 63));
            double seconds = nanos / 1e9;
            String text = value(seconds);
            assertEquals(seconds, Double.parseDouble(text), nanos + " ns written as " + text);
        }
        assertEquals("1.000000001", value(1_000_000_001L / 1e9));
        assertEquals("0.00000005", value(50L / 1e9));
    }

    @Test
    void other_values_are_written_as_the_library_writes_them() throws IOException {
        assertEquals("NaN", value(Double.NaN));
        assertEquals("+Inf", value(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", value(Double.NEGATIVE_INFINITY));
        assertEquals(Double.toString(1.7e18), value(1.7e18));
        assertEquals(Double.toString(Math.PI), value(Math.PI));
    }

    @Test
    void strings_are_utf8_with_label_escapes_and_a_lone_surrogate_as_the_jdk_encodes_it()
            throws IOException {
        String s = "a\\b\"c\nd é \uD83D\uDE00 \uD800 end";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Utf8Out out = new Utf8Out(bytes);
        out.escaped(s, true);
        out.write('|');
        out.escaped(s, false);
        out.flush();
        String expected = "a\\\\b\\\"c\\nd é \uD83D\uDE00 ? end|a\\\\b\"c\\nd é \uD83D\uDE00 ? end";
        assertEquals(expected, bytes.toString(StandardCharsets.UTF_8));
    }
}
