package io.vmpulse.collector.publish;

import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.util.List;

/**
 * Fills every field of a sample with a value derived from (k, field, element), so that two
 * different k give different bytes everywhere.
 */
final class SamplePattern {

    /** Fields the writer stamps itself; the pattern leaves them alone. */
    private static final List<RecordField> STAMPED = List.of(RecordFields.CHECKSUM);

    private SamplePattern() {}

    static void fillNumbers(VmRecord s, long k) {
        int fi = 0;
        for (RecordField f : RecordFields.ALL) {
            fi++;
            if (STAMPED.contains(f)) {
                continue;
            }
            for (int i = 0; i < f.count(); i++) {
                long v = k * 1_000_003L + fi * 131L + i;
                switch (f.type()) {
                    case U64, I64 -> s.putLong(f, i, v);
                    case U32 -> s.putInt(f, i, (int) v);
                    case F64 -> s.putDouble(f, i, v / 7.0);
                    case UTF8 -> {}
                }
            }
        }
    }

    static void fillText(VmRecord s, String tag) {
        for (RecordField f : RecordFields.ALL) {
            if (f.type() == FieldType.UTF8) {
                for (int i = 0; i < f.count(); i++) {
                    s.putString(f, i, tag + "/" + f.name() + "/" + i + " é\"\\\t");
                }
            }
        }
    }
}
