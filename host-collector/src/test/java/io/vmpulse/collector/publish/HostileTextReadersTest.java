package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RecordFields.BOOT_ID;
import static io.vmpulse.registry.layout.RecordFields.FS_COUNT;
import static io.vmpulse.registry.layout.RecordFields.FS_MOUNT_POINT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.ReaderJson;
import io.vmpulse.collector.testing.TestJson;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.TerminalText;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Text that no writer of ours would store, placed directly into a registry file: terminal escapes
 * (CSI clear-screen, an OSC window title ended by BEL, the 8-bit CSI), a newline, a backslash and
 * invalid UTF-8. Every printer (the Java `dump` in text and JSON, the C dump tool, the Python
 * reader) must keep them from the terminal, print the same text, and keep JSON valid.
 */
@Timeout(120)
class HostileTextReadersTest {

    /**
     * ESC [ 2 J, ESC ] 0 ; owned BEL, newline, 0xFF 0xFE, C1 CSI (C2 9B), backslash, é, a cut
     * 3-byte sequence.
     */
    private static final byte[] MOUNT =
            concat(
                    "/a".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {
                        0x1b,
                        '[',
                        '2',
                        'J',
                        0x1b,
                        ']',
                        '0',
                        ';',
                        'o',
                        'w',
                        'n',
                        'e',
                        'd',
                        0x07,
                        '\n',
                        (byte) 0xff,
                        (byte) 0xfe,
                        (byte) 0xc2,
                        (byte) 0x9b,
                        '3',
                        '1',
                        'm',
                        '\\',
                        (byte) 0xc3,
                        (byte) 0xa9,
                        (byte) 0xe2,
                        (byte) 0x82,
                        'z'
                    });

    /** What a reader decodes (U+FFFD per maximal subpart of invalid UTF-8). */
    private static final String DECODED =
            "/a\u001b[2J\u001b]0;owned\u0007\n\uFFFD\uFFFD\u009b31m\\\u00e9\uFFFDz";

    /** What a terminal printer shows. */
    private static final String ESCAPED =
            "/a\\x1b[2J\\x1b]0;owned\\x07\\x0a\uFFFD\uFFFD\\x9b31m\\\\\u00e9\uFFFDz";

    private static final byte[] BOOT = {'b', 0x1b, 'c', 0x0d, 'd'};

    @TempDir Path dir;

    @Test
    void
            terminal_escapes_newlines_and_invalid_utf8_are_escaped_by_every_printer_and_json_stays_valid()
                    throws Exception {
        Path path = dir.resolve("registry");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(path, 2, null))) {
            VmRecord r = new VmRecord();
            r.setPresent(RecordFlags.PRESENT_GUEST_FS, true);
            r.putInt(FS_COUNT, 1);
            // Past putString, which would refuse all of it: the bytes a hostile or broken writer
            // might leave.
            System.arraycopy(MOUNT, 0, r.bytes(), FS_MOUNT_POINT.offsetOf(0), MOUNT.length);
            System.arraycopy(BOOT, 0, r.bytes(), BOOT_ID.offsetOf(0), BOOT.length);
            w.publish(w.claim("vm-\u00e9"), r);

            assertEquals(ESCAPED, TerminalText.escape(DECODED));

            String javaText = run("dump", "--shm", path.toString());
            Tools.Result cText =
                    Tools.run(List.of(Tools.cDump(dir).toString(), path.toString()), 30);
            Tools.Result pyText = Tools.run(Tools.python(path.toString()), 60);
            for (var out :
                    Map.of("java dump", javaText, "C", cText.stdout(), "Python", pyText.stdout())
                            .entrySet()) {
                String text = out.getValue();
                assertTrue(
                        text.contains(ESCAPED),
                        out.getKey() + " prints the mount point escaped:\n" + text);
                assertTrue(
                        text.contains("b\\x1bc\\x0dd"),
                        out.getKey() + " prints the boot id escaped:\n" + text);
                assertTrue(
                        text.codePoints()
                                .noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x0d || c == 0x9b),
                        out.getKey() + " lets a control character through");
            }

            String javaJson = ReaderJson.javaJson(path);
            String cJson =
                    Tools.run(List.of(Tools.cDump(dir).toString(), "--json", path.toString()), 30)
                            .stdout();
            String pyJson = Tools.run(Tools.python("--json", path.toString()), 60).stdout();
            for (String json : List.of(javaJson, cJson, pyJson)) {
                assertTrue(
                        json.codePoints().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x9b),
                        json);
                @SuppressWarnings("unchecked")
                Map<String, Object> fields =
                        (Map<String, Object>)
                                ((Map<String, Object>) ((List<Object>) TestJson.parse(json)).get(0))
                                        .get("fields");
                assertEquals(DECODED, ((List<?>) fields.get("fs.mount_point")).get(0), json);
            }
            ReaderJson.assertSame("C", ReaderJson.parse(javaJson), ReaderJson.parse(cJson));
            ReaderJson.assertSame("Python", ReaderJson.parse(javaJson), ReaderJson.parse(pyJson));
        }
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cmd = new CommandLine(new io.vmpulse.collector.cli.CollectorMain());
        cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        assertEquals(0, cmd.execute(args));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
