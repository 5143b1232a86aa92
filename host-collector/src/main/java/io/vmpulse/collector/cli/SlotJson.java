package io.vmpulse.collector.cli;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.FieldDirectory;
import io.vmpulse.registry.read.SlotSnapshot;
import io.vmpulse.registry.read.TerminalText;

/**
 * One slot as JSON, in the shape the C ({@code vmpulse_dump --json}) and Python ({@code
 * vmpulse_shm.py --json}) readers print, so that every reader's output compares as is:
 *
 * <pre>
 * {"slot": 0, "vm_id": "...", "generation": 1, "state": "live", "seq": 42, "checksum_ok": true,
 *  "fields": {"checksum": ..., "fs.mount_point": ["/", ...], ...}}
 * </pre>
 *
 * Fields come from the file's directory, arrays in full. u64 values print unsigned; a non-finite
 * f64 prints as {@code null}. Control characters in text (C0, DEL, C1) are escaped as {@code
 * &#92;u00NN}, so the output is valid JSON and safe on a terminal.
 */
public final class SlotJson {

    private SlotJson() {}

    public static void append(StringBuilder out, FieldDirectory directory, SlotSnapshot s) {
        out.append("{\"slot\": ").append(s.slot()).append(", \"vm_id\": ");
        string(out, s.vmId());
        out.append(", \"generation\": ")
                .append(Long.toUnsignedString(s.generation()))
                .append(", \"state\": \"")
                .append(RegistryLayout.stateName(s.state()))
                .append("\", \"seq\": ")
                .append(Long.toUnsignedString(s.seq()))
                .append(", \"checksum_ok\": ")
                .append(s.checksumMatches())
                .append(", \"fields\": {");
        String sep = "";
        for (RecordField f : directory.fields()) {
            out.append(sep).append('"').append(f.name()).append("\": ");
            sep = ", ";
            if (f.count() > 1) {
                out.append('[');
            }
            for (int i = 0; i < f.count(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                value(out, s.sample(), f, i);
            }
            if (f.count() > 1) {
                out.append(']');
            }
        }
        out.append("}}");
    }

    private static void value(StringBuilder out, VmRecord u, RecordField f, int i) {
        switch (f.type()) {
            case U64 -> out.append(Long.toUnsignedString(u.getLong(f, i)));
            case I64 -> out.append(u.getLong(f, i));
            case U32 -> out.append(u.getUnsignedInt(f, i));
            case F64 -> {
                double d = u.getDouble(f, i);
                out.append(Double.isFinite(d) ? Double.toString(d) : "null");
            }
            case UTF8 -> string(out, u.getString(f, i));
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (TerminalText.isControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
