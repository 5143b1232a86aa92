package io.vmpulse.collector.cli;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.SlotSnapshot;
import io.vmpulse.registry.read.TerminalText;
import java.util.List;

/**
 * `dump`'s text form: one line per field, found by walking the registry's field directory, so it
 * prints every field the writer defined, including fields of a newer minor version. Text is escaped
 * ({@link TerminalText}): guest text never reaches the terminal raw.
 */
final class SlotText {

    private SlotText() {}

    static void append(StringBuilder b, List<RecordField> fields, SlotSnapshot s) {
        b.append("slot ")
                .append(s.slot())
                .append("  vm ")
                .append(TerminalText.escape(s.vmId()))
                .append("  generation ")
                .append(s.generation())
                .append('\n');
        VmRecord u = s.sample();
        for (RecordField f : fields) {
            for (int i = 0; i < f.count(); i++) {
                String name = f.count() == 1 ? f.name() : f.name() + "[" + i + "]";
                b.append("  ").append(String.format("%-32s", name));
                switch (f.type()) {
                    case U64 -> b.append(Long.toUnsignedString(u.getLong(f, i)));
                    case I64 -> b.append(u.getLong(f, i));
                    case U32 -> b.append(u.getUnsignedInt(f, i));
                    case F64 -> b.append(u.getDouble(f, i));
                    case UTF8 -> {
                        b.append('"');
                        TerminalText.append(b, u.getString(f, i).replace("\"", "\\\""));
                        b.append('"');
                    }
                }
                b.append(' ').append(f.unit()).append('\n');
            }
        }
    }
}
