package io.vmpulse.registry.layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Lays fields out one after another, so that every offset is derived from the field before it and
 * no offset is ever typed by hand. Arrays of structs are declared with their stride; the builder
 * checks that the members fill the stride exactly.
 */
final class LayoutBuilder {

    private final List<RecordField> fields = new ArrayList<>();
    private int next;

    private long presence;
    private RecordSource source = RecordSource.META;

    private String arrayName;
    private int arrayBase;
    private int arrayCount;
    private int arrayStride;

    /**
     * Fields declared from here on come from {@code source} and hold a value only while every bit
     * of {@code presence} is set in the record's presence field.
     */
    void group(RecordSource source, long presence) {
        this.source = source;
        this.presence = presence;
    }

    RecordField u64(String name, String unit) {
        return add(name, FieldType.U64, unit, 8, "");
    }

    /** A guest u64 copied as it is from the agent message's field {@code wire}. */
    RecordField u64(String name, String unit, String wire) {
        return add(name, FieldType.U64, unit, 8, wire);
    }

    RecordField i64(String name, String unit) {
        return add(name, FieldType.I64, unit, 8, "");
    }

    RecordField f64(String name, String unit) {
        return add(name, FieldType.F64, unit, 8, "");
    }

    RecordField u32(String name, String unit) {
        return add(name, FieldType.U32, unit, 4, "");
    }

    RecordField utf8(String name, int bytes) {
        if (bytes % 8 != 0) {
            throw new IllegalStateException(name + ": text fields keep the next field 8-aligned");
        }
        return add(name, FieldType.UTF8, "text", bytes, "");
    }

    /**
     * An array of {@code count} texts of {@code bytes} each (not of structs, so no member name).
     */
    RecordField utf8Array(String name, int count, int bytes) {
        if (arrayName != null || bytes % 8 != 0 || next % 8 != 0) {
            throw new IllegalStateException(
                    name + ": text arrays start 8-aligned, outside a struct array");
        }
        RecordField f =
                new RecordField(
                        name,
                        FieldType.UTF8,
                        "text",
                        next,
                        bytes,
                        count,
                        bytes,
                        presence,
                        source,
                        "");
        fields.add(f);
        next += count * bytes;
        return f;
    }

    /** Unnamed bytes (not in the directory) that keep the next 8-byte field aligned. */
    void pad(int bytes) {
        next += bytes;
    }

    void beginArray(String name, int count, int stride) {
        if (arrayName != null || next % 8 != 0) {
            throw new IllegalStateException(
                    "array " + name + " must start 8-aligned, outside another array");
        }
        arrayName = name;
        arrayBase = next;
        arrayCount = count;
        arrayStride = stride;
        next = 0;
    }

    void endArray() {
        if (next != arrayStride) {
            throw new IllegalStateException(
                    "members of "
                            + arrayName
                            + " fill "
                            + next
                            + " bytes, stride is "
                            + arrayStride);
        }
        next = arrayBase + arrayCount * arrayStride;
        arrayName = null;
    }

    /** Ends the layout; the size is padded to a multiple of 8. */
    int end() {
        if (arrayName != null) {
            throw new IllegalStateException("array " + arrayName + " not ended");
        }
        next = (next + 7) & ~7;
        return next;
    }

    List<RecordField> fields() {
        return List.copyOf(fields);
    }

    private RecordField add(String name, FieldType type, String unit, int size, String wire) {
        RecordField f =
                arrayName == null
                        ? new RecordField(
                                name, type, unit, next, size, 1, size, presence, source, wire)
                        : new RecordField(
                                arrayName + "." + name,
                                type,
                                unit,
                                arrayBase + next,
                                size,
                                arrayCount,
                                arrayStride,
                                presence,
                                source,
                                wire);
        fields.add(f);
        next += size;
        return f;
    }
}
