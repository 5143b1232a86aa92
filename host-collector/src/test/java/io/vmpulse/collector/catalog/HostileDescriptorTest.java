package io.vmpulse.collector.catalog;

import static io.vmpulse.collector.catalog.Fixtures.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.LogCapture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Descriptor files written to hurt the collector: numbers that overflow or take minutes to expand,
 * huge and deep files, bytes that are not text, and entries that are not files at all. Each is
 * rejected with one line that names the file and, where there is one, the field; the watcher goes
 * on (a good file added afterwards registers), and at startup none of them stops the directory from
 * loading.
 */
@Timeout(120)
class HostileDescriptorTest {

    private static final Duration NO_RESCAN = Duration.ofHours(1);
    private static final String GOOD =
            "{\"id\": \"%s\", \"hypervisor\": \"none\", "
                    + "\"guest\": {\"tcp\": {\"host\": \"127.0.0.1\", \"port\": %d}}}";

    @TempDir Path dir;

    private DescriptorDirectory directory;
    private final VmCatalog catalog = new VmCatalog();
    private final AtomicBoolean growing = new AtomicBoolean(true);
    private Thread grower;

    @AfterEach
    void stop() throws InterruptedException {
        growing.set(false);
        if (grower != null) {
            grower.join();
        }
        if (directory != null) {
            directory.close();
        }
    }

    /** File name, and what its rejection must say (the field, or the file-level reason). */
    private Map<String, String> writeHostileFiles() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        hostile(
                expected,
                "exp-overflow.json",
                pid("1e9999999999"),
                "vmm_pid: 1e9999999999 is not an integer");
        hostile(
                expected,
                "exp-huge.json",
                pid("1e99999999"),
                "vmm_pid: 1e99999999 is not an integer");
        hostile(expected, "nan.json", pid("NaN"), "malformed JSON");
        hostile(
                expected,
                "digits.json",
                pid("1".repeat(400)),
                "vmm_pid: 11111111111111111111111111111111... (400 characters)");
        hostile(
                expected,
                "deep.json",
                "{\"id\": \"deep\", \"taps\": " + "[".repeat(30_000) + "]".repeat(30_000) + "}",
                "taps[0]: expected a string, found an array");
        hostile(
                expected,
                "long-string.json",
                String.format(GOOD, "x".repeat(5000), 1),
                "id: a string of 5000 characters");
        hostile(
                expected,
                "megabyte.json",
                "{\"id\": \"" + "m".repeat(1024 * 1024) + "\"}",
                "is over 65536 bytes");
        byte[] notUtf8 = String.format(GOOD, "u", 1).getBytes(StandardCharsets.UTF_8);
        notUtf8[9] = (byte) 0xC3; // a lead byte followed by ASCII
        Files.write(dir.resolve("not-utf8.json"), notUtf8);
        expected.put("not-utf8.json", "not UTF-8 text");
        hostile(expected, "dot.json", String.format(GOOD, ".", 1), "id: \".\" does not match");
        hostile(expected, "dotdot.json", String.format(GOOD, "..", 1), "id: \"..\" does not match");
        hostile(
                expected,
                "path.json",
                String.format(GOOD, "../etc", 1),
                "id: \"../etc\" does not match");
        hostile(
                expected,
                "newline.json",
                String.format(GOOD, "a\\nWARNING: forged", 1),
                "id: \"a\\x0aWARNING: forged\" does not match");

        Process mkfifo =
                new ProcessBuilder("mkfifo", dir.resolve("fifo.json").toString())
                        .inheritIO()
                        .start();
        assertEquals(0, mkfifo.waitFor());
        expected.put("fifo.json", "is not a regular file");
        Files.createSymbolicLink(dir.resolve("loop.json"), dir.resolve("loop.json"));
        expected.put("loop.json", "is a symbolic link that cannot be followed");
        Files.createSymbolicLink(dir.resolve("kmsg.json"), Path.of("/proc/kmsg"));
        expected.put("kmsg.json", "is a symbolic link into proc, a kernel pseudo-filesystem");
        Files.createSymbolicLink(dir.resolve("to-fifo.json"), dir.resolve("fifo.json"));
        expected.put("to-fifo.json", "is a symbolic link to something that is not a regular file");

        Path grows = dir.resolve("grows.json");
        Files.writeString(grows, "{\"id\": \"grows\", \"taps\": [");
        grower =
                new Thread(
                        () -> {
                            byte[] chunk =
                                    "\"tap\", ".repeat(500).getBytes(StandardCharsets.US_ASCII);
                            try (OutputStream out =
                                    Files.newOutputStream(grows, StandardOpenOption.APPEND)) {
                                long written = 0;
                                while (growing.get() && written < 64L * 1024 * 1024) {
                                    out.write(chunk);
                                    written += chunk.length;
                                    Thread.sleep(1);
                                }
                            } catch (IOException | InterruptedException e) {
                                // the test is over
                            }
                        },
                        "grows.json writer");
        grower.start();
        expected.put("grows.json", "is over 65536 bytes");
        return expected;
    }

    private void hostile(Map<String, String> expected, String name, String content, String reason)
            throws IOException {
        Files.writeString(dir.resolve(name), content);
        expected.put(name, reason);
    }

    private static String pid(String literal) {
        return "{\"id\": \"p\", \"hypervisor\": \"none\", \"vmm_pid\": "
                + literal
                + ", \"guest\": {\"tcp\": {\"host\": \"127.0.0.1\", \"port\": 1}}}";
    }

    @Test
    void hostile_files_present_at_startup_are_each_rejected_with_one_line_and_the_good_one_loads()
            throws Exception {
        Files.writeString(dir.resolve("good.json"), String.format(GOOD, "good", 7070));
        Map<String, String> expected = writeHostileFiles();
        try (LogCapture log = LogCapture.on(DescriptorDirectory.class.getName())) {
            directory = new DescriptorDirectory(dir, catalog, NO_RESCAN);
            directory.start();
            assertTrue(catalog.get("good").isPresent(), "the good descriptor is registered");
            eventually(
                    "every hostile file rejected",
                    () -> directory.rejected().size() == expected.size());
            assertRejections(expected);
            growing.set(false);
            Thread.sleep(200);
            for (String name : expected.keySet()) {
                List<String> lines =
                        log.messages().stream()
                                .filter(m -> m.startsWith(dir.resolve(name) + ": "))
                                .toList();
                if (name.equals("grows.json")) {
                    // Read while it grows, it may first be cut-off JSON (at whatever length the
                    // read found), then too large: once per reason, never one reason twice.
                    assertEquals(
                            lines.size(),
                            lines.stream().distinct().count(),
                            "a growing file is logged once per reason: " + lines);
                    assertTrue(
                            !lines.isEmpty()
                                    && lines.get(lines.size() - 1)
                                            .contains(expected.get("grows.json")),
                            "the growing file's last line gives its size: " + lines);
                } else {
                    assertEquals(1, lines.size(), name + " is logged once: " + log.messages());
                }
            }
            assertTrue(
                    log.messages().stream().noneMatch(m -> m.contains("\n")),
                    "every line is one line");
        }
    }

    @Test
    void hostile_files_arriving_while_watching_never_stop_the_watcher() throws Exception {
        directory = new DescriptorDirectory(dir, catalog, NO_RESCAN);
        directory.start();
        Map<String, String> expected = writeHostileFiles();
        eventually(
                "every hostile file rejected",
                () -> directory.rejected().size() == expected.size());
        assertRejections(expected);
        Files.writeString(dir.resolve("after.json"), String.format(GOOD, "after", 7071));
        eventually(
                "a good file written after them is registered",
                () -> catalog.get("after").isPresent());
    }

    @Test
    void minus_zero_is_zero_and_a_bounded_exponent_is_still_an_integer() throws Exception {
        assertEquals(DescriptorJson.parse(pid("0")), DescriptorJson.parse(pid("-0")));
        assertEquals(4000, DescriptorJson.parse(pid("4e3")).getVmmPid());
        InvalidDescriptorException fraction =
                org.junit.jupiter.api.Assertions.assertThrows(
                        InvalidDescriptorException.class,
                        () -> DescriptorJson.parse(pid("1e-999")));
        assertEquals(
                "field vmm_pid: 1e-999 is not an integer from -2147483648 to 2147483647",
                fraction.getMessage());
    }

    private void assertRejections(Map<String, String> expected) throws InterruptedException {
        // Read while still short, it is truncated JSON; once it is past the limit, it is too long.
        eventually(
                "grows.json rejected for its size",
                () ->
                        String.valueOf(directory.rejected().get(dir.resolve("grows.json")))
                                .contains(expected.get("grows.json")));
        Map<Path, String> rejected = directory.rejected();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String why = rejected.get(dir.resolve(e.getKey()));
            assertTrue(
                    why != null
                            && why.startsWith(dir.resolve(e.getKey()) + ": ")
                            && why.contains(e.getValue()),
                    e.getKey()
                            + " is rejected naming the file and saying '"
                            + e.getValue()
                            + "', not: "
                            + why);
        }
        assertEquals(
                List.of(),
                catalog.list().stream()
                        .map(e -> e.vm().id())
                        .filter(id -> !id.equals("good") && !id.equals("after"))
                        .toList());
    }
}
