package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void newlines_and_ansi_escapes_from_a_guest_cannot_forge_a_log_line() {
        String forged = "agent\nWARNING: vm other: rejected\u001b[2J\r";
        assertEquals(
                "\"agent\\x0aWARNING: vm other: rejected\\x1b[2J\\x0d\"", LogText.quote(forged));
    }

    @Test
    void quotes_backslashes_and_non_ascii_are_escaped_so_the_quoted_text_cannot_end_early() {
        assertEquals("\"a\\x22b\\x5cc\\u65e5\\xe9\"", LogText.quote("a\"b\\c\u65e5\u00e9"));
    }

    @Test
    void long_text_is_cut_with_a_count_of_the_rest() {
        assertEquals(
                "\"" + "x".repeat(LogText.MAX_CHARS) + "\"...(72 more chars)",
                LogText.quote("x".repeat(LogText.MAX_CHARS + 72)));
    }
}
