package io.vmpulse.registry.read;

import static io.vmpulse.registry.layout.RegistryLayout.*;

import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.ShmBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The field directory of an open registry: what the writer says each sample field is called, where
 * it is and what it holds. Readers find fields by name here, so a field added by a newer minor
 * version is readable by name and an older reader simply does not look for it.
 */
public final class FieldDirectory {

    private final Map<String, RecordField> byName;

    private FieldDirectory(Map<String, RecordField> byName) {
        this.byName = byName;
    }

    /** The field called {@code name} in this registry, if the writer's version has it. */
    public Optional<RecordField> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every field, in the writer's order. */
    public List<RecordField> fields() {
        return List.copyOf(byName.values());
    }

    static FieldDirectory parse(
            Path path, ShmBuffer buf, int offset, int count, int entrySize, int sampleSize)
            throws RegistryFormatException {
        if (entrySize < DIR_ENTRY_SIZE) {
            throw new RegistryFormatException(
                    path,
                    "directory entries are "
                            + entrySize
                            + " bytes, expected at least "
                            + DIR_ENTRY_SIZE);
        }
        Map<String, RecordField> fields = new LinkedHashMap<>();
        byte[] entry = new byte[DIR_ENTRY_SIZE];
        for (int i = 0; i < count; i++) {
            int at = offset + i * entrySize;
            buf.getBytes(at, entry, 0, DIR_ENTRY_SIZE);
            String name = text(entry, DIR_NAME_OFFSET, DIR_NAME_BYTES);
            int typeCode = buf.getInt(at + DIR_TYPE_OFFSET);
            if (Arrays.stream(FieldType.values()).noneMatch(t -> t.code() == typeCode)) {
                continue; // a type a newer minor version added: this reader skips the field, not
                // the file
            }
            RecordField f;
            try {
                f =
                        new RecordField(
                                name,
                                FieldType.ofCode(typeCode),
                                text(entry, DIR_UNIT_OFFSET, DIR_UNIT_BYTES),
                                buf.getInt(at + DIR_FIELD_OFFSET_OFFSET),
                                buf.getInt(at + DIR_SIZE_OFFSET),
                                buf.getInt(at + DIR_COUNT_FIELD_OFFSET),
                                buf.getInt(at + DIR_STRIDE_OFFSET),
                                Integer.toUnsignedLong(buf.getInt(at + DIR_PRESENCE_OFFSET)));
            } catch (IllegalArgumentException e) {
                throw new RegistryFormatException(
                        path,
                        "directory entry " + i + " ('" + name + "') is invalid: " + e.getMessage());
            }
            long end = (long) f.offset() + (long) (f.count() - 1) * f.stride() + f.size();
            if (end > sampleSize) {
                throw new RegistryFormatException(
                        path,
                        "field '"
                                + name
                                + "' ends at byte "
                                + end
                                + ", beyond the "
                                + sampleSize
                                + "-byte sample");
            }
            if (fields.put(name, f) != null) {
                throw new RegistryFormatException(
                        path, "field '" + name + "' is listed twice in the directory");
            }
        }
        return new FieldDirectory(Collections.unmodifiableMap(fields));
    }

    /**
     * Checks that every field this reader was compiled with is, if the file has it, where this
     * reader expects it. Fields only move in a new major version, so a mismatch means the file is
     * damaged or lies about its version. Known fields the file lacks were added after the writer's
     * minor version: they read as zero (absent).
     */
    void checkAgainst(Path path, List<RecordField> known) throws RegistryFormatException {
        for (RecordField k : known) {
            RecordField f = byName.get(k.name());
            if (f != null && !f.sameGeometry(k)) {
                throw new RegistryFormatException(
                        path,
                        "field '"
                                + k.name()
                                + "' is "
                                + f
                                + " in the file but "
                                + k
                                + " in this reader, within the same major version");
            }
        }
    }

    private static String text(byte[] b, int from, int max) {
        int n = 0;
        while (n < max && b[from + n] != 0) {
            n++;
        }
        return new String(b, from, n, StandardCharsets.UTF_8);
    }
}
