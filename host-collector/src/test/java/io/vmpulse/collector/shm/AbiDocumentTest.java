package io.vmpulse.collector.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.collector.sample.SampleField;
import io.vmpulse.collector.sample.SampleFields;
import io.vmpulse.collector.testing.Tools;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/shm-abi.md lists every sample field with the offset, type, unit and geometry the writer uses. */
class AbiDocumentTest {

    @Test
    void field_tables_in_the_abi_document_match_the_layout_row_for_row() throws Exception {
        String doc = Files.readString(Tools.ROOT.resolve("docs/shm-abi.md"));
        Matcher m = Pattern.compile("(?m)^\\| (\\d+) \\| `([a-z0-9_.]+)` \\| (u64|i64|f64|u32|char\\[\\d+]) \\| ([^|]*) \\| ([^|]*) \\|$").matcher(doc);
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(String.join(" ", m.group(1), m.group(2), m.group(3), m.group(4).trim(), m.group(5).trim()));
        }
        List<String> layout = new ArrayList<>();
        for (SampleField f : SampleFields.ALL) {
            String type = switch (f.type()) {
                case U64 -> "u64";
                case I64 -> "i64";
                case F64 -> "f64";
                case U32 -> "u32";
                case UTF8 -> "char[" + f.size() + "]";
            };
            String array = f.count() > 1 ? f.count() + " x, stride " + f.stride() : "";
            layout.add(String.join(" ", Integer.toString(f.offset()), f.name(), type, f.unit(), array));
        }
        assertEquals(layout, documented);
    }
}
