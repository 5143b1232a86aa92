package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.collector.testing.ReaderJson;
import io.vmpulse.collector.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
            VmRecord s = new VmRecord();
            for (String vm : List.of("alpha", "beta", "gamma", "δέλτα")) {
                int slot = w.claim(vm);
                SamplePattern.fillNumbers(s, slot + 1);
                s.putLong(RecordFields.GUEST_SEQ, -1L); // u64 above 2^63
                // JSON has no NaN: every reader prints null for it.
                s.putDouble(RecordFields.STEAL_RATIO, slot == 0 ? Double.NaN : 0.1 + slot);
                SamplePattern.fillText(s, vm);
                w.publish(slot, s);
            }
            w.release(1); // beta: free, listed by nobody
            w.markFinal(2, s); // gamma: final, listed by everybody

            List<Map<String, Object>> java = ReaderJson.parse(ReaderJson.javaJson(w.path()));
            assertEquals(List.of("alpha", "gamma", "δέλτα"), java.stream().map(m -> m.get("vm_id")).toList());

            Path bin = Tools.cDump(dir);
            Tools.Result c = Tools.run(List.of(bin.toString(), "--json", w.path().toString()), 30);
            assertEquals(0, c.exit(), c.stderr());
            Tools.Result py = Tools.run(Tools.python("--json", w.path().toString()), 60);
            assertEquals(0, py.exit(), py.stderr());

            ReaderJson.assertSame("C", java, ReaderJson.parse(c.stdout()));
            ReaderJson.assertSame("Python", java, ReaderJson.parse(py.stdout()));
        }
    }
}
