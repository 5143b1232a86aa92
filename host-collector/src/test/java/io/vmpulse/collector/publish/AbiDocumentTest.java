package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.RegistryLayout;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/shm-abi.md lists every sample field and bit with the offset, type, unit, geometry or
 * position the writer uses.
 */
@Timeout(30)
class AbiDocumentTest {

    @Test
    void field_tables_in_the_abi_document_match_the_layout_row_for_row() throws Exception {
        String doc = Files.readString(Tools.ROOT.resolve("docs/shm-abi.md"));
        Matcher m =
                Pattern.compile(
                                "(?m)^\\| (\\d+) \\| `([a-z0-9_.]+)` \\| (u64|i64|f64|u32|char\\[\\d+]) \\| ([^|]*) \\| ([^|]*) \\| ([^|]*) \\|$")
                        .matcher(doc);
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(
                    String.join(
                            " ",
                            m.group(1),
                            m.group(2),
                            m.group(3),
                            m.group(4).trim(),
                            m.group(5).trim(),
                            m.group(6).trim()));
        }
        List<String> layout = new ArrayList<>();
        for (RecordField f : RecordFields.ALL) {
            String type =
                    switch (f.type()) {
                        case U64 -> "u64";
                        case I64 -> "i64";
                        case F64 -> "f64";
                        case U32 -> "u32";
                        case UTF8 -> "char[" + f.size() + "]";
                    };
            String array = f.count() > 1 ? f.count() + " x, stride " + f.stride() : "";
            layout.add(
                    String.join(
                            " ",
                            Integer.toString(f.offset()),
                            f.name(),
                            type,
                            f.unit(),
                            array,
                            presenceNames(f.presence())));
        }
        assertEquals(layout, documented);
    }

    /**
     * The presence column: the PRESENT_* bits a field needs, without the prefix, joined by " + ".
     */
    private static String presenceNames(long bits) throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        TreeMap<Long, String> byBit = new TreeMap<>();
        for (Field f : RecordFlags.class.getFields()) {
            if (f.getName().startsWith("PRESENT_")) {
                byBit.put(f.getLong(null), f.getName().substring("PRESENT_".length()));
            }
        }
        byBit.forEach(
                (bit, name) -> {
                    if ((bits & bit) != 0) {
                        names.add(name);
                    }
                });
        return String.join(" + ", names);
    }

    @Test
    void presence_table_lists_every_field_that_needs_each_bit() throws Exception {
        String doc = Files.readString(Tools.ROOT.resolve("docs/shm-abi.md"));
        Matcher row =
                Pattern.compile("(?m)^\\| (\\d+) \\| `PRESENT_[A-Z_]+` \\| (`.*) \\|$")
                        .matcher(doc);
        Map<Long, java.util.Set<String>> documented = new TreeMap<>();
        while (row.find()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            Matcher name = Pattern.compile("`([a-z0-9_.*]+)`").matcher(row.group(2));
            while (name.find()) {
                String n = name.group(1);
                if (n.endsWith(".*")) {
                    String prefix = n.substring(0, n.length() - 1);
                    RecordFields.ALL.stream()
                            .map(RecordField::name)
                            .filter(f -> f.startsWith(prefix))
                            .forEach(names::add);
                } else {
                    names.add(n);
                }
            }
            documented.put(1L << Integer.parseInt(row.group(1)), names);
        }
        Map<Long, java.util.Set<String>> declared = new TreeMap<>();
        for (Field f : RecordFlags.class.getFields()) {
            if (f.getName().startsWith("PRESENT_")) {
                long bit = f.getLong(null);
                java.util.Set<String> names = new java.util.TreeSet<>();
                RecordFields.ALL.stream()
                        .filter(x -> (x.presence() & bit) != 0)
                        .map(RecordField::name)
                        .forEach(names::add);
                declared.put(bit, names);
            }
        }
        assertEquals(declared, documented);
    }

    @Test
    void reader_constants_in_the_abi_document_are_the_code_s() throws Exception {
        String doc = Files.readString(Tools.ROOT.resolve("docs/shm-abi.md"));
        for (String sentence :
                List.of(
                        "up to " + RegistryLayout.READ_ATTEMPTS + " attempts",
                        "the first " + RegistryLayout.READ_SPINS + " retry at once",
                        "at least every " + RegistryLayout.HEARTBEAT_PERIOD_MS + " ms",
                        "has not advanced for " + RegistryLayout.WRITER_DEAD_AFTER_MS + " ms",
                        "| default path | `" + RegistryLayout.DEFAULT_PATH + "`",
                        "sample_size = " + RecordFields.SIZE,
                        "## The record (ABI "
                                + RegistryLayout.VERSION_MAJOR
                                + "."
                                + RegistryLayout.VERSION_MINOR
                                + ", "
                                + RecordFields.SIZE
                                + " bytes)",
                        "| 10 | `version_minor` | u16 | " + RegistryLayout.VERSION_MINOR + ".")) {
            assertTrue(doc.contains(sentence), "docs/shm-abi.md should say: " + sentence);
        }
        String python = Files.readString(Tools.PYTHON_READER);
        assertTrue(
                python.contains("MAX_ATTEMPTS = " + RegistryLayout.READ_ATTEMPTS + " "),
                "the Python reader's attempts");
    }

    @Test
    void flag_and_presence_tables_in_the_abi_document_match_sample_flags_bit_for_bit()
            throws Exception {
        String doc = Files.readString(Tools.ROOT.resolve("docs/shm-abi.md"));
        Matcher m =
                Pattern.compile("(?m)^\\| (\\d+) \\| `((?:FLAG|PRESENT)_[A-Z_]+)` \\|")
                        .matcher(doc);
        Map<String, Long> documented = new TreeMap<>();
        while (m.find()) {
            documented.put(m.group(2), 1L << Integer.parseInt(m.group(1)));
        }
        Map<String, Long> defined = new TreeMap<>();
        for (Field f : RecordFlags.class.getFields()) {
            if (f.getType() == long.class
                    && (f.getName().startsWith("FLAG_") || f.getName().startsWith("PRESENT_"))) {
                defined.put(f.getName(), f.getLong(null));
            }
        }
        assertEquals(defined, documented);
    }
}
