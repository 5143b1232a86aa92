package io.vmpulse.registry.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What the writer stores for text: valid UTF-8, within the field, and nothing that steers a
 * terminal.
 */
class VmRecordTextTest {

    @Test
    void control_characters_and_lone_surrogates_are_stored_as_replacement_characters() {
        VmRecord r = new VmRecord();
        assertFalse(
                r.putString(
                        RecordFields.FS_MOUNT_POINT,
                        0,
                        "/m\u001b[2J\u001b]0;t\u0007\r\n\t\u007f\u0085\u009b\ud800x\u00e9\ud83d\ude00"));
        assertEquals(
                "/m\uFFFD[2J\uFFFD]0;t\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDx\u00e9\ud83d\ude00",
                r.getString(RecordFields.FS_MOUNT_POINT, 0));
        byte[] stored =
                Arrays.copyOfRange(
                        r.bytes(),
                        RecordFields.FS_MOUNT_POINT.offsetOf(0),
                        RecordFields.FS_MOUNT_POINT.offsetOf(0)
                                + RecordFields.FS_MOUNT_POINT.size());
        for (byte b : stored) {
            int u = b & 0xff;
            assertTrue(
                    u == 0 || u >= 0x20 && u != 0x7f, "no C0 control or DEL byte is stored: " + u);
        }
        String text = new String(stored, StandardCharsets.UTF_8).replace("\0", "");
        assertTrue(text.codePoints().noneMatch(VmRecord::isControl), "no C1 control either");
        assertTrue(
                r.putString(RecordFields.FS_MOUNT_POINT, 0, "/plain/\u00e9"),
                "clean text is stored whole");
    }

    @Test
    void text_is_cut_at_a_character_boundary_and_keeps_a_terminating_nul() {
        VmRecord r = new VmRecord();
        String euros =
                "\u20ac".repeat(30); // 3 bytes each, 90 bytes: more than the 63 a mount point holds
        assertFalse(r.putString(RecordFields.FS_MOUNT_POINT, 0, euros));
        assertEquals("\u20ac".repeat(21), r.getString(RecordFields.FS_MOUNT_POINT, 0));
        assertEquals(
                0,
                r.bytes()[
                        RecordFields.FS_MOUNT_POINT.offsetOf(0)
                                + RecordFields.FS_MOUNT_POINT.size()
                                - 1]);
    }

    @Test
    void labels_keep_the_newlines_that_separate_their_entries_and_nothing_else() {
        VmRecord r = new VmRecord();
        r.putString(RecordFields.LABELS, 0, "team=a\nenv=b\u001b[0m");
        assertEquals("team=a\nenv=b\uFFFD[0m", r.getString(RecordFields.LABELS));
        r.putString(RecordFields.HYPERVISOR, 0, "fire\ncracker");
        assertEquals("fire\uFFFDcracker", r.getString(RecordFields.HYPERVISOR));
    }
}
