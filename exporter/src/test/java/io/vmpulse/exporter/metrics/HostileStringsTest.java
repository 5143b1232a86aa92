package io.vmpulse.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.exporter.exposition.ScrapeWriter;
import io.vmpulse.exporter.exposition.TextFormat;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.testing.Exposition;
import io.vmpulse.exporter.testing.Promtool;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.Scrapes;
import io.vmpulse.exporter.testing.TestRegistry;
import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compromised guest controls every guest string the registry carries (mount points, fs types,
 * devices, boot id, agent version, kernel release). Whatever it puts there, the scrape must stay
 * valid for the real promtool, and each VM's series must stay apart.
 */
@Timeout(120)
class HostileStringsTest {

    /** Text a guest might send: format breakers, terminal escapes, lone surrogates, long text. */
    private static final List<String> HOSTILE =
            List.of(
                    "a\nb\nfake_metric{vm_id=\"other\"} 1",
                    "quote\" backslash\\ end\\",
                    "\\n\\\"escaped already\\\"",
                    "tab\tcr\rbell\u0007del\u007fnul-free\u0085",
                    "\u001b[31mred\u001b[0m",
                    "} 1\n# TYPE x counter",
                    "emoji \uD83D\uDE00 lone \uD800 surrogate",
                    "é".repeat(200),
                    "",
                    " ");

    @TempDir Path dir;

    @Test
    void a_scrape_of_hostile_guest_strings_passes_promtool_and_keeps_vms_apart() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 64)) {
            for (int i = 0; i < HOSTILE.size(); i++) {
                String s = HOSTILE.get(i);
                reg.publish("vm-" + i, r -> hostile(r, s));
            }
            // Invalid UTF-8 straight into the bytes, as a guest-written field could hold it
            reg.publish(
                    "vm-bytes",
                    r -> {
                        hostile(r, "x");
                        byte[] bad = {
                            (byte) 0xff,
                            (byte) 0xfe,
                            'a',
                            (byte) 0xc3,
                            '\n',
                            (byte) 0xed,
                            (byte) 0xa0,
                            (byte) 0x80,
                            '"',
                            0
                        };
                        for (RecordField f : RecordFields.ALL) {
                            if (f.type() == FieldType.UTF8
                                    && !f.name().equals("labels")
                                    && !f.name().equals("hypervisor")) {
                                for (int k = 0; k < f.count(); k++) {
                                    System.arraycopy(
                                            bad,
                                            0,
                                            r.bytes(),
                                            f.offsetOf(k),
                                            Math.min(bad.length, f.size() - 1));
                                }
                            }
                        }
                    });
            String text = new Scrapes(reg.path()).text();
            Promtool.Result verdict = Promtool.checkMetrics(text.getBytes(StandardCharsets.UTF_8));
            assertEquals(0, verdict.exit(), verdict.output());

            Exposition e = Exposition.parse(text);
            assertTrue(
                    e.samples().stream().noneMatch(s -> s.name().equals("fake_metric")),
                    "an injected line became a series");
            for (int i = 0; i < HOSTILE.size(); i++) {
                // Each VM keeps its own 3 filesystems (names may coincide after cleaning, not
                // across VMs)
                String id = "vm-" + i;
                assertEquals(
                        1,
                        e.named("vmpulse_vm_info").stream()
                                .filter(s -> id.equals(s.label("vm_id")))
                                .count(),
                        id);
            }
            assertTrue(e.has("vmpulse_vm_info", "vm_id", "vm-bytes"));
        }
    }

    /**
     * Every guest string field of a full record set to {@code s} (cut to the field's size by the
     * writer).
     */
    private static void hostile(VmRecord r, String s) {
        Records.full(r, 7, 2, 3, System.nanoTime(), System.currentTimeMillis() * 1_000_000L);
        for (RecordField f : RecordFields.ALL) {
            if (f.type() == FieldType.UTF8
                    && !f.name().equals("labels")
                    && !f.name().equals("hypervisor")) {
                for (int k = 0; k < f.count(); k++) {
                    r.putString(f, k, s + k); // + k: the guest's own entries differ, as a real
                    // listing's would
                }
            }
        }
    }

    @Test
    void ten_thousand_hostile_4_kib_label_values_pass_promtool() throws Exception {
        // The registry holds 8 filesystems of 64-byte mount points per VM; what it cannot carry is
        // fed to the label cleaning directly: 10,000 filesystems with 4 KiB hostile names.
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            char[] body = new char[4096];
            Arrays.fill(body, "\n\"\\\u0000\u001b\uD800x".charAt(i % 7));
            String raw = i + ":" + new String(body);
            String clean = LabelValues.clean(raw);
            assertTrue(clean.length() <= LabelValues.MAX_CHARS);
            seen.add(clean);
        }
        Family size =
                Family.gauge(
                                "vmpulse_guest_filesystem_size_bytes",
                                "test",
                                io.prometheus.metrics.model.snapshots.Unit.BYTES,
                                (none, out) -> {
                                    for (int i = 0; i < seen.size(); i++) {
                                        out.add(
                                                new String[] {"fstype", "mountpoint", "vm_id"},
                                                new String[] {"ext4", seen.get(i), "vm-1"},
                                                i);
                                    }
                                })
                        .global();
        Scrape none = new Scrape(dir, "none", 0, null, 0, 0, false, 0, new int[3], 0, List.of());
        ByteArrayOutputStream page = new ByteArrayOutputStream();
        ScrapeWriter.write(none, List.of(size), TextFormat.PROMETHEUS, page);
        String text = page.toString(StandardCharsets.UTF_8);
        Promtool.Result verdict = Promtool.checkMetrics(text.getBytes(StandardCharsets.UTF_8));
        assertEquals(0, verdict.exit(), verdict.output());
        assertEquals(
                10_000, Exposition.parse(text).named("vmpulse_guest_filesystem_size_bytes").size());
    }

    @Test
    void cleaning_replaces_control_characters_and_lone_surrogates_and_bounds_length() {
        assertEquals("a\uFFFDb", LabelValues.clean("a\nb"));
        assertEquals("q\"\\", LabelValues.clean("q\"\\"), "the writer escapes these itself");
        assertEquals("x\uFFFDy", LabelValues.clean("x\uD800y"));
        assertEquals("\uD83D\uDE00", LabelValues.clean("\uD83D\uDE00"), "a valid pair stays");
        String plain = "/var/lib/data";
        assertTrue(plain == LabelValues.clean(plain), "a clean value is returned as it is");
        assertEquals(LabelValues.MAX_CHARS, LabelValues.clean("x".repeat(4096)).length());
        String cutInPair = "x".repeat(LabelValues.MAX_CHARS - 1) + "\uD83D\uDE00";
        assertEquals(
                LabelValues.MAX_CHARS - 1,
                LabelValues.clean(cutInPair).length(),
                "never half a pair");
    }
}
