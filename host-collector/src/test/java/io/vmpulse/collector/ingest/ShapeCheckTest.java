package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vmpulse.proto.v1.Hello;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** String limits count UTF-8 bytes, as the wire does, not Java chars. */
class ShapeCheckTest {

    @Test
    void utf8_length_counts_bytes_as_the_encoder_does() {
        for (String s :
                new String[] {"", "ext4", "/mnt/é", "日本", "\uD83D\uDE00 x", "a\u07FFb\u0800"}) {
            assertEquals(
                    s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                    ShapeCheck.utf8Length(s),
                    s);
        }
    }

    @Test
    void a_string_over_the_limit_in_bytes_but_not_in_chars_is_refused() {
        ShapeCheck check =
                new ShapeCheck(
                        new GuestLimits(16 * 1024, 8, 8, 8, 10, 10, 5, Duration.ofMillis(10)));
        Hello.Builder h = Hello.newBuilder().setAgentInstance("i").setAgentName("éééé");
        assertNull(check.hello(h.build()), "8 bytes is at the limit");
        assertEquals(
                "hello string of 10 bytes over the limit of 8",
                check.hello(h.setAgentName("ééééé").build()));
    }
}
