package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.collector.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A guest sending garbage in a loop makes one log line per period, not one per message. */
@Timeout(10)
class RateLimitedLogTest {

    private static final long PERIOD = Duration.ofSeconds(10).toNanos();

    @Test
    void a_thousand_rejections_over_25_seconds_make_three_lines_each_counting_what_it_held_back() {
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        LogCapture records = LogCapture.on(logger);
        RateLimitedLog log = new RateLimitedLog(logger, PERIOD);
        long start = 5_000_000_000L;
        long step = Duration.ofMillis(25).toNanos();

        for (int i = 0; i < 1_000; i++) {
            log.warn(start + i * step, "rejected message " + i);
        }

        // Lines at 0 s, 10 s (message 400) and 20 s (message 800); the 199 after 20 s wait for the
        // next.
        assertEquals(
                List.of(
                        "rejected message 0",
                        "rejected message 400 (399 similar lines suppressed)",
                        "rejected message 800 (399 similar lines suppressed)"),
                records.messages());
        assertEquals(
                List.of(Level.WARNING, Level.WARNING, Level.WARNING),
                records.records().stream().map(LogRecord::getLevel).toList());
    }
}
