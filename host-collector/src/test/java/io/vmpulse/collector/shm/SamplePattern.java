package io.vmpulse.collector.shm;

import io.vmpulse.collector.sample.FieldType;
import io.vmpulse.collector.sample.SampleField;
import io.vmpulse.collector.sample.SampleFields;
import io.vmpulse.collector.sample.UnifiedSample;
import java.util.List;

/** Fills every field of a sample with a value derived from (k, field, element), so that two different k give different bytes everywhere. */
final class SamplePattern {

    /** Fields the writer stamps itself; the pattern leaves them alone. */
    private static final List<SampleField> STAMPED = List.of(SampleFields.CHECKSUM);

    private SamplePattern() {
    }

    static void fillNumbers(UnifiedSample s, long k) {
        int fi = 0;
        for (SampleField f : SampleFields.ALL) {
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
                    case UTF8 -> { }
                }
            }
        }
    }

    static void fillText(UnifiedSample s, String tag) {
        for (SampleField f : SampleFields.ALL) {
            if (f.type() == FieldType.UTF8) {
                for (int i = 0; i < f.count(); i++) {
                    s.putString(f, i, tag + "/" + f.name() + "/" + i + " é\"\\\t");
                }
            }
        }
    }
}
