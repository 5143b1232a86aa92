package io.vmpulse.exporter.exposition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.Scrapes;
import io.vmpulse.exporter.testing.TestRegistry;
import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page the exporter streams and the page the Prometheus library writes from the snapshots of
 * the same families say the same thing, in both text formats: the same metadata lines in the same
 * order, and under each the same series (name, labels in order, escaping) with exactly the same
 * values. The registry holds what makes writers differ: hostile and invalid guest strings, values
 * past 2^53 and 2^63, fractional seconds, cleared presence bits, repeated devices, CPUs and mounts,
 * descriptor label keys that sanitise alike, a final VM.
 */
@Timeout(60)
class StreamedPageMatchesLibraryTest {

    @TempDir Path dir;

    @Test
    void streamed_prometheus_text_equals_the_library_writer_on_the_same_registry()
            throws Exception {
        try (TestRegistry reg = fill()) {
            Scrapes s = new Scrapes(reg.path());
            String ours = s.text();
            String theirs = Scrapes.library(PrometheusTextFormatWriter.create(), s.snapshots());
            assertSamePage(theirs, ours);
            assertTrue(ours.contains("# TYPE vmpulse_guest_cpu_seconds_total counter\n"));
        }
    }

    @Test
    void streamed_openmetrics_equals_the_library_writer_on_the_same_registry() throws Exception {
        try (TestRegistry reg = fill()) {
            Scrapes s = new Scrapes(reg.path());
            String ours = s.openMetrics();
            String theirs = Scrapes.library(OpenMetricsTextFormatWriter.create(), s.snapshots());
            assertSamePage(theirs, ours);
            assertTrue(ours.endsWith("\n# EOF\n"));
            assertTrue(ours.contains("# UNIT vmpulse_guest_cpu_seconds seconds\n"));
        }
    }

    @Test
    void an_unreadable_registry_streams_as_the_library_writes_it() throws Exception {
        Scrapes s = new Scrapes(dir.resolve("none"));
        assertSamePage(
                Scrapes.library(PrometheusTextFormatWriter.create(), s.snapshots()), s.text());
        assertSamePage(
                Scrapes.library(OpenMetricsTextFormatWriter.create(), s.snapshots()),
                s.openMetrics());
    }

    private TestRegistry fill() throws Exception {
        TestRegistry reg = new TestRegistry(dir.resolve("registry"), 16);
        long mono = System.nanoTime();
        long unix = System.currentTimeMillis() * 1_000_000L;
        reg.publish("vm-a", r -> Records.full(r, 1, 2, 3, mono, unix));
        reg.publish(
                "vm-\"quoted\"\\",
                r -> {
                    Records.full(r, 2, 2, 3, mono, unix);
                    hostile(r, "a\nb\"c\\d \u001b[31m \uD83D\uDE00 \uD800 é");
                });
        reg.publish(
                "vm-bytes",
                r -> {
                    Records.full(r, 3, 1, 2, mono, unix);
                    byte[] bad = {(byte) 0xff, 'a', (byte) 0xc3, '\n', (byte) 0xed, '"', 0};
                    for (RecordField f : guestStrings()) {
                        for (int k = 0; k < f.count(); k++) {
                            System.arraycopy(
                                    bad,
                                    0,
                                    r.bytes(),
                                    f.offsetOf(k),
                                    Math.min(bad.length, f.size() - 1));
                        }
                    }
                });
        reg.publish(
                "vm-big",
                r -> {
                    Records.full(r, 4, 2, 3, mono, unix);
                    Records.putLong(r, "fs.size_bytes", 0, -1L); // 2^64 - 1
                    Records.putLong(r, "fs.free_bytes", 0, (1L << 53) + 1);
                    Records.putLong(r, "fs.available_bytes", 0, Long.MIN_VALUE + 3);
                    Records.putLong(r, "cpu.user_ns", 0, (1L << 53) + 7); // seconds past 2^53 ns
                    Records.putLong(r, "cpu.system_ns", 1, 123_456_789_001L);
                    Records.putLong(r, "vmm_cpu_ns", 0, 1L);
                    Records.putLong(r, "cgroup_cpu_ns", 0, 999_999_999L);
                    Records.putLong(r, "boot_time_unix_s", 0, -5L);
                });
        reg.publish(
                "vm-repeats",
                r -> {
                    Records.full(r, 5, 2, 3, mono, unix);
                    Records.putInt(r, "cpu.number", 1, 0); // two CPUs numbered 0
                    Records.putString(r, "fs.mount_point", 1, "/");
                    Records.putString(r, "fs.mount_point", 0, "/");
                    Records.putString(r, "fs.fs_type", 1, "ext4");
                    Records.putString(r, "fs.fs_type", 0, "ext4");
                    Records.putString(r, "labels", 0, "a.b=1\na_b=2\naB=3\nB=4\nzz-top=5\n=6\nx");
                });
        reg.publish(
                "vm-absent",
                r -> {
                    Records.full(r, 6, 2, 3, mono, unix);
                    r.setPresent(
                            RecordFlags.PRESENT_GUEST_CPU
                                    | RecordFlags.PRESENT_GUEST_FS
                                    | RecordFlags.PRESENT_HOST_NET_DROPS
                                    | RecordFlags.PRESENT_HOST_DISK_OPS
                                    | RecordFlags.PRESENT_HOST_BALLOON,
                            false);
                });
        reg.publish("vm-gone", r -> Records.full(r, 7, 2, 3, mono, unix));
        reg.markFinal("vm-gone", r -> Records.full(r, 7, 2, 3, mono, unix));
        return reg;
    }

    private static List<RecordField> guestStrings() {
        List<RecordField> out = new ArrayList<>();
        for (RecordField f : RecordFields.ALL) {
            if (f.type() == FieldType.UTF8
                    && !f.name().equals("labels")
                    && !f.name().equals("hypervisor")) {
                out.add(f);
            }
        }
        return out;
    }

    private static void hostile(VmRecord r, String s) {
        for (RecordField f : guestStrings()) {
            for (int k = 0; k < f.count(); k++) {
                r.putString(f, k, s + k);
            }
        }
    }

    /**
     * The same metadata lines in the same order, and under each the same series with the same
     * values; the order of series within a family is free (the library sorts them by label).
     */
    private static void assertSamePage(String expected, String actual) {
        Page e = Page.of(expected);
        Page a = Page.of(actual);
        assertEquals(e.metadata, a.metadata, "metadata lines");
        assertEquals(e.series.keySet(), a.series.keySet(), "series");
        for (Map.Entry<String, Double> s : e.series.entrySet()) {
            if (s.getKey().contains(" vmpulse_collector_heartbeat_age_seconds")) {
                continue; // the clock moved between the two scrapes
            }
            assertEquals(
                    s.getValue(),
                    a.series.get(s.getKey()),
                    s.getKey() + ": the streamed value parses to another double");
        }
        assertEquals(expected.endsWith("# EOF\n"), actual.endsWith("# EOF\n"));
    }

    /** Metadata lines in order; series keyed by their metadata block and their text. */
    private record Page(List<String> metadata, Map<String, Double> series) {
        static Page of(String text) {
            List<String> metadata = new ArrayList<>();
            Map<String, Double> series = new LinkedHashMap<>();
            int block = 0;
            boolean inMetadata = false;
            for (String line : text.split("\n")) {
                if (line.startsWith("#")) {
                    metadata.add(line);
                    if (!inMetadata) {
                        block++;
                        inMetadata = true;
                    }
                    continue;
                }
                inMetadata = false;
                int space = line.lastIndexOf(' ');
                String key = block + " " + line.substring(0, space);
                Double old = series.put(key, value(line.substring(space + 1)));
                assertEquals(null, old, "a series written twice: " + key);
            }
            return new Page(metadata, series);
        }

        private static double value(String s) {
            return switch (s) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(s);
            };
        }
    }
}
