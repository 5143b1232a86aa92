package io.vmpulse.collector.cli;

import io.vmpulse.collector.sample.SampleField;
import io.vmpulse.collector.sample.UnifiedSample;
import io.vmpulse.collector.shm.SlotSnapshot;
import java.util.List;

/**
 * Renders a slot by walking the registry's field directory, so `dump` prints every field the
 * writer defined, including fields added by a newer minor version than this reader knows.
 */
final class SlotText {

    private SlotText() {
    }

    static String json(SlotSnapshot s, List<SampleField> fields) {
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"slot\":").append(s.slot())
                .append(",\"generation\":").append(s.generation())
                .append(",\"state\":").append(s.state())
                .append(",\"vm_id\":");
        quote(b, s.vmId());
        for (SampleField f : fields) {
            b.append(",\"").append(f.name()).append("\":");
            if (f.count() == 1) {
                value(b, s.sample(), f, 0);
            } else {
                b.append('[');
                for (int i = 0; i < f.count(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    value(b, s.sample(), f, i);
                }
                b.append(']');
            }
        }
        return b.append('}').toString();
    }

    static String text(SlotSnapshot s, List<SampleField> fields) {
        StringBuilder b = new StringBuilder(4096);
        b.append("slot ").append(s.slot()).append("  vm ").append(s.vmId())
                .append("  generation ").append(s.generation()).append('\n');
        for (SampleField f : fields) {
            for (int i = 0; i < f.count(); i++) {
                String name = f.count() == 1 ? f.name() : f.name() + "[" + i + "]";
                b.append("  ").append(String.format("%-32s", name));
                value(b, s.sample(), f, i);
                b.append(' ').append(f.unit()).append('\n');
            }
        }
        return b.toString();
    }

    private static void value(StringBuilder b, UnifiedSample u, SampleField f, int i) {
        switch (f.type()) {
            case U64 -> b.append(Long.toUnsignedString(u.getLong(f, i)));
            case I64 -> b.append(u.getLong(f, i));
            case U32 -> b.append(u.getUnsignedInt(f, i));
            case F64 -> {
                double d = u.getDouble(f, i);
                b.append(Double.isFinite(d) ? Double.toString(d) : "null");
            }
            case UTF8 -> quote(b, u.getString(f, i));
        }
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
