package io.vmpulse.collector.shm;

import io.vmpulse.collector.sample.SampleFields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.sample.UnifiedSample;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java reader, the C reader (compiled here with gcc) and the Python reader, each a separate
 * program finding fields by name in the directory, read the same values from the same slots.
 */
@Timeout(120)
class ReadersAgreeTest {

    @TempDir
    Path dir;

    @Test
    void java_c_and_python_readers_read_the_same_value_for_every_field_of_every_live_slot() throws Exception {
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), 5, null))) {
            UnifiedSample s = new UnifiedSample();
            for (String vm : List.of("alpha", "beta", "gamma", "δέλτα")) {
                int slot = w.claim(vm);
                SamplePattern.fillNumbers(s, slot + 1);
                s.putLong(SampleFields.GUEST_SEQ, -1L); // u64 above 2^63
                // JSON has no NaN: every reader prints null for it.
                s.putDouble(SampleFields.STEAL_RATIO, slot == 0 ? Double.NaN : 0.1 + slot);
                SamplePattern.fillText(s, vm);
                w.publish(slot, s);
            }
            w.release(1); // beta: free, listed by nobody
            w.markFinal(2, s); // gamma: final, listed by everybody

            List<Map<String, Object>> java = parse(javaJson(w.path()));
            assertEquals(List.of("alpha", "gamma", "δέλτα"), java.stream().map(m -> m.get("vm_id")).toList());

            Path bin = Tools.cDump(dir);
            Tools.Result c = Tools.run(List.of(bin.toString(), "--json", w.path().toString()), 30);
            assertEquals(0, c.exit(), c.stderr());
            Tools.Result py = Tools.run(Tools.python("--json", w.path().toString()), 60);
            assertEquals(0, py.exit(), py.stderr());

            assertSame("C", java, parse(c.stdout()));
            assertSame("Python", java, parse(py.stdout()));
        }
    }

    /** The Java reader's view, printed by {@link SlotJson} as the CLI prints it. */
    private static String javaJson(Path path) throws Exception {
        StringBuilder out = new StringBuilder("[");
        try (RegistryReader r = RegistryReader.open(path)) {
            r.forEachLive(r.newSnapshot(), snap -> {
                out.append(out.length() > 1 ? ",\n" : "\n");
                SlotJson.append(out, r.directory(), snap);
            });
        }
        return out.append("\n]\n").toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> parse(String json) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<Object>) MiniJson.parse(json)) {
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

    /** Decimal text of a double, as printed by C (%.17g) or Python (repr), back to its exact binary value. */
    private static Object exact(Object v) {
        if (v instanceof BigDecimal d) {
            return d.scale() > 0 || d.toString().contains("E") ? new BigDecimal(d.doubleValue()) : d;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(ReadersAgreeTest::exact).toList();
        }
        return v;
    }

    private static void assertSame(String who, List<Map<String, Object>> java, List<Map<String, Object>> other) {
        assertEquals(java.size(), other.size(), who + " lists another number of slots");
        for (int i = 0; i < java.size(); i++) {
            Map<String, Object> j = java.get(i);
            Map<String, Object> o = other.get(i);
            for (String k : List.of("slot", "vm_id", "generation", "state")) {
                assertEquals(normal(j.get(k)), normal(o.get(k)), who + " differs on " + k + " of " + j.get("vm_id"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> jf = (Map<String, Object>) j.get("fields");
            @SuppressWarnings("unchecked")
            Map<String, Object> of = (Map<String, Object>) o.get("fields");
            assertEquals(jf.keySet(), of.keySet(), who + " sees other field names");
            jf.forEach((name, value) -> assertEquals(normal(value), normal(of.get(name)),
                    who + " differs on " + name + " of " + j.get("vm_id")));
            assertTrue(jf.size() > 100);
        }
    }

    /** BigDecimal equality ignoring scale (1.0 == 1). */
    private static Object normal(Object v) {
        if (v instanceof BigDecimal d) {
            return d.compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(ReadersAgreeTest::normal).toList();
        }
        return v;
    }
}
