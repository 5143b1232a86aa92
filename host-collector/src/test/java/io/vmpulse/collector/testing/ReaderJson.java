package io.vmpulse.collector.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.cli.SlotJson;
import io.vmpulse.registry.read.RegistryReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON that the Java, C and Python readers print, parsed and compared field by field. */
public final class ReaderJson {

    private ReaderJson() {}

    /** The Java reader's view, printed by {@link SlotJson} as the CLI prints it. */
    public static String javaJson(Path path) throws Exception {
        StringBuilder out = new StringBuilder("[");
        try (RegistryReader r = RegistryReader.open(path)) {
            r.forEachLive(
                    r.newSnapshot(),
                    snap -> {
                        out.append(out.length() > 1 ? ",\n" : "\n");
                        SlotJson.append(out, r.directory(), snap);
                    });
        }
        return out.append("\n]\n").toString();
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> parse(String json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<Object>) TestJson.parse(json)) {
            Map<String, Object> m = new TreeMap<>((Map<String, Object>) o);
            m.remove("seq");
            assertEquals(Boolean.TRUE, m.remove("checksum_ok"));
            Map<String, Object> fields = new TreeMap<>();
            ((Map<String, Object>) m.get("fields")).forEach((k, v) -> fields.put(k, exact(v)));
            m.put("fields", fields);
            out.add(m);
        }
        return out;
    }

    /**
     * Decimal text of a double, as printed by C (%.17g) or Python (repr), back to its exact binary
     * value.
     */
    public static Object exact(Object v) {
        if (v instanceof BigDecimal d) {
            return d.scale() > 0 || d.toString().contains("E")
                    ? new BigDecimal(d.doubleValue())
                    : d;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(ReaderJson::exact).toList();
        }
        return v;
    }

    public static void assertSame(
            String who, List<Map<String, Object>> java, List<Map<String, Object>> other) {
        assertEquals(java.size(), other.size(), who + " lists another number of slots");
        for (int i = 0; i < java.size(); i++) {
            Map<String, Object> j = java.get(i);
            Map<String, Object> o = other.get(i);
            for (String k : List.of("slot", "vm_id", "generation", "state")) {
                assertEquals(
                        normal(j.get(k)),
                        normal(o.get(k)),
                        who + " differs on " + k + " of " + j.get("vm_id"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> jf = (Map<String, Object>) j.get("fields");
            @SuppressWarnings("unchecked")
            Map<String, Object> of = (Map<String, Object>) o.get("fields");
            assertEquals(jf.keySet(), of.keySet(), who + " sees other field names");
            jf.forEach(
                    (name, value) ->
                            assertEquals(
                                    normal(value),
                                    normal(of.get(name)),
                                    who + " differs on " + name + " of " + j.get("vm_id")));
            assertTrue(jf.size() > 100);
        }
    }

    /** BigDecimal equality ignoring scale (1.0 == 1). */
    public static Object normal(Object v) {
        if (v instanceof BigDecimal d) {
            return d.compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(ReaderJson::normal).toList();
        }
        return v;
    }
}
