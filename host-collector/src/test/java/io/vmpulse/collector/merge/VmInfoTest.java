package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.HYPERVISOR;
import static io.vmpulse.registry.layout.RecordFields.LABELS;
import static io.vmpulse.registry.layout.RecordFields.LABELS_BYTES;
import static io.vmpulse.registry.layout.RecordFields.LABELS_OMITTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.layout.VmRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmInfoTest {

    @Test
    void labels_are_key_value_lines_sorted_by_key_whatever_order_they_came_in() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("zone", "eu-1");
        labels.put("app", "web=front"); // '=' in a value: the first '=' of a line ends the key
        labels.put("Tenant", "Acme \"quoted\" \\ é");
        VmRecord out = new VmRecord();
        new VmInfo("firecracker", labels).writeInto(out);
        assertEquals("firecracker", out.getString(HYPERVISOR));
        assertEquals(
                "Tenant=Acme \"quoted\" \\ é\napp=web=front\nzone=eu-1", out.getString(LABELS));
        assertEquals(0, out.getUnsignedInt(LABELS_OMITTED));
    }

    @Test
    void labels_that_do_not_fit_are_left_out_whole_and_counted() {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < 32; i++) {
            labels.put(
                    String.format("k%02d", i),
                    "v".repeat(100)); // 104 bytes a line: four fit in 511
        }
        VmInfo info = new VmInfo("qemu", labels);
        VmRecord out = new VmRecord();
        info.writeInto(out);
        String text = out.getString(LABELS);
        String[] lines = text.split("\n");
        assertEquals(4, lines.length);
        assertEquals("k00=" + "v".repeat(100), lines[0]);
        assertEquals("k03=" + "v".repeat(100), lines[3]);
        assertEquals(28, out.getUnsignedInt(LABELS_OMITTED));
        assertTrue(
                text.getBytes(StandardCharsets.UTF_8).length < LABELS_BYTES, "the NUL still fits");
        for (String line : lines) {
            assertEquals(104, line.length(), "no label is cut");
        }
    }

    @Test
    void a_vm_without_labels_has_an_empty_labels_field() {
        VmRecord out = new VmRecord();
        out.putString(LABELS, "stale=1");
        new VmInfo("none", Map.of()).writeInto(out);
        assertEquals("", out.getString(LABELS));
        assertEquals(0, out.getUnsignedInt(LABELS_OMITTED));
    }
}
