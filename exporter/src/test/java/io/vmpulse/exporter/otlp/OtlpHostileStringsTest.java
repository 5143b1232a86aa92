package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.*;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpHostileStringsTest {

    @Test
    void invalid_utf8_and_control_bytes_from_a_guest_arrive_as_valid_capped_strings()
            throws Exception {
        try (TestRegistry reg = new TestRegistry(2);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher =
                        new OtlpPusher(
                                reg.path, OtlpSettings.of(rx.endpoint(), Duration.ofHours(1)))) {
            FilledVm vm = new FilledVm(0, System.currentTimeMillis() * 1_000_000L);
            byte[] b = vm.record.bytes();
            // Raw bytes straight into the record: a lone continuation byte, an overlong NUL, a
            // newline, a quote.
            byte[] hostile = {
                '/', (byte) 0x80, (byte) 0xC0, (byte) 0x80, '\n', '"', '\\', (byte) 0xFF
            };
            System.arraycopy(hostile, 0, b, FS_MOUNT_POINT.offsetOf(1), hostile.length);
            vm.record.putString(KERNEL_RELEASE, "x".repeat(500));
            reg.publish("vm", vm.record);
            assertTrue(pusher.pushOnce());
            // parseFrom in the receiver rejects a string field that is not valid UTF-8.
            var got = new ReceivedPoints(List.of(rx.take().request()));
            var keys = got.byVm.get("vm").keySet();
            assertTrue(
                    keys.stream()
                            .anyMatch(
                                    k ->
                                            k.contains(
                                                    "system.filesystem.mountpoint=/\uFFFD\uFFFD\uFFFD\n\"\\\uFFFD")),
                    keys.toString());
            String kernel = got.resources.get("vm").get("vmpulse.guest.kernel_release");
            assertTrue(
                    kernel.length() <= AttributeText.MAX_VALUE_CHARS,
                    "kernel release of " + kernel.length() + " chars");
            assertEquals(
                    KERNEL_RELEASE.size() - 1,
                    kernel.length(),
                    "what the registry kept, since it is under the cap");
        }
    }

    @Test
    void attribute_values_are_cut_at_the_cap_without_splitting_a_surrogate_pair() {
        assertEquals(AttributeText.MAX_VALUE_CHARS, AttributeText.cap("a".repeat(4096)).length());
        String emoji = "a".repeat(AttributeText.MAX_VALUE_CHARS - 1) + "\uD83D\uDE00";
        String cut = AttributeText.cap(emoji);
        assertEquals(AttributeText.MAX_VALUE_CHARS - 1, cut.length());
        assertFalse(Character.isHighSurrogate(cut.charAt(cut.length() - 1)));
        assertSame("short", AttributeText.cap("short"));
    }

    @Test
    void descriptor_labels_with_invalid_keys_or_no_value_are_skipped_and_values_capped() {
        AttributesBuilder b = Attributes.builder();
        int added =
                DescriptorLabels.addTo(
                        "tenant=a\nhost.id=evil\n=novalue\nnoequals\n9lead=x\nlong="
                                + "v".repeat(600)
                                + "\nempty=\n",
                        b);
        Map<String, String> m = new java.util.TreeMap<>();
        b.build().forEach((k, v) -> m.put(k.getKey(), (String) v));
        assertEquals(3, added);
        assertEquals(List.of("empty", "long", "tenant"), List.copyOf(m.keySet()));
        assertEquals(AttributeText.MAX_VALUE_CHARS, m.get("long").length());
    }

    @Test
    void at_most_64_labels_are_taken() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            s.append("k").append(i).append("=v\n");
        }
        AttributesBuilder b = Attributes.builder();
        assertEquals(DescriptorLabels.MAX_LABELS, DescriptorLabels.addTo(s.toString(), b));
        assertEquals(DescriptorLabels.MAX_LABELS, b.build().size());
    }
}
