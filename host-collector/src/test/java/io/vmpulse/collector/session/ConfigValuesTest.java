package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmpulse.collector.ingest.GuestLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration values that cannot work are refused at startup, with a message saying what to
 * change.
 */
class ConfigValuesTest {

    @TempDir Path dir;

    private String refused(String json) throws Exception {
        Path file = Files.writeString(dir.resolve("collector.json"), json);
        return assertThrows(
                        CollectorSettings.ConfigException.class, () -> CollectorSettings.load(file))
                .getMessage()
                .substring(file.toString().length() + 2);
    }

    @Test
    void rates_that_are_not_a_positive_number_are_refused() throws Exception {
        String range =
                " is outside "
                        + GuestLimits.MIN_SAMPLES_PER_SECOND
                        + ".."
                        + GuestLimits.MAX_SAMPLES_PER_SECOND;
        assertEquals(
                "field guest_limits: samples_per_second NaN" + range,
                refused("{\"guestLimits\": {\"samplesPerSecond\": \"NaN\"}}"));
        assertEquals(
                "field guest_limits: samples_per_second Infinity" + range,
                refused("{\"guestLimits\": {\"samplesPerSecond\": \"Infinity\"}}"));
        assertEquals(
                "field guest_limits: samples_per_second 1.0E-300" + range,
                refused("{\"guestLimits\": {\"samplesPerSecond\": 1e-300}}"));
        assertEquals(
                "field guest_limits: samples_per_second -5.0" + range,
                refused("{\"guestLimits\": {\"samplesPerSecond\": -5}}"));
    }

    @Test
    void message_size_outside_its_range_is_refused() throws Exception {
        assertEquals(
                "field guest_limits: max_message_bytes 10 is outside 1024..4194304",
                refused("{\"guestLimits\": {\"maxMessageBytes\": 10}}"));
    }

    @Test
    void an_interval_faster_than_the_rate_limit_allows_is_refused_with_what_to_change()
            throws Exception {
        assertEquals(
                "interval_ms 20 has every guest send 50.00 samples/s, but guest_limits.samples_per_second is 20.0:"
                        + " guests would fall behind. Set guest_limits.samples_per_second to at least 100 (twice the"
                        + " sampling rate, to catch up after a reconnect), or interval_ms to at least 100",
                refused("{\"intervalMs\": 20}"));
    }

    @Test
    void an_interval_with_a_rate_limit_to_match_is_accepted() throws Exception {
        Path file =
                Files.writeString(
                        dir.resolve("ok.json"),
                        "{\"intervalMs\": 20, \"guestLimits\": {\"samplesPerSecond\": 100}}");
        assertEquals(100.0, CollectorSettings.load(file).guestLimits().samplesPerSecond());
    }
}
