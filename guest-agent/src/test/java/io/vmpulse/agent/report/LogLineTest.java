package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogLineTest {

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static String utc(long millis) {
        StringBuilder b = new StringBuilder();
        LogLine.appendUtc(b, millis);
        return b.toString();
    }

    @Test
    void timestamps_match_java_time_from_year_0_to_9999() {
        long min = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
        long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long t = random.nextLong(min, max + 1);
            assertEquals(ISO_MILLIS.format(Instant.ofEpochMilli(t)), utc(t), "epoch millis " + t);
        }
    }

    @Test
    void timestamps_are_right_at_leap_days_and_boundaries() {
        for (String iso :
                new String[] {
                    "1970-01-01T00:00:00.000Z",
                    "1969-12-31T23:59:59.999Z",
                    "2000-02-29T12:00:00.001Z",
                    "2100-02-28T23:59:59.999Z",
                    "2100-03-01T00:00:00.000Z",
                    "2024-02-29T00:00:00.000Z",
                    "2026-11-29T15:40:01.123Z",
                    "0001-01-01T00:00:00.000Z"
                }) {
            assertEquals(iso, utc(Instant.parse(iso).toEpochMilli()));
        }
    }

    @Test
    void record_is_one_line_with_level_and_short_source() {
        assertEquals(
                "2026-11-29T15:40:01.123Z WARNING CollectorLink: cannot reach vsock://2:7070; retrying\n",
                LogLine.format(
                        Instant.parse("2026-11-29T15:40:01.123Z").toEpochMilli(),
                        "WARNING",
                        "CollectorLink",
                        "cannot reach vsock://2:7070; retrying",
                        null));
    }

    @Test
    void thrown_exception_follows_the_line_with_its_stack_trace() {
        String text =
                LogLine.format(
                        0,
                        "WARNING",
                        "SamplingLoop",
                        "sampling failed",
                        new IOException("/proc/stat: gone"));
        assertTrue(
                text.startsWith(
                        "1970-01-01T00:00:00.000Z WARNING SamplingLoop: sampling failed\n"
                                + "java.io.IOException: /proc/stat: gone\n\tat "),
                text);
    }
}
