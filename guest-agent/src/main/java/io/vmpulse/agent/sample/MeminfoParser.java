package io.vmpulse.agent.sample;

import java.nio.ByteBuffer;

/**
 * Parses {@code /proc/meminfo} into a {@link MemSnapshot} without allocating. Lines are found by
 * name, never by position (their order and number change between kernels); unknown lines are
 * skipped. A value followed by {@code kB} is KiB and is stored in bytes; a value with no unit (the
 * HugePages_* counts) is stored as printed; any other unit is a format error.
 */
final class MeminfoParser {

    private static final MemSnapshot.Field[] FIELDS = MemSnapshot.fields();
    private static final byte[][] KEYS = new byte[FIELDS.length][];
    private static final byte[] KB = AsciiCursor.ascii("kB");

    static {
        for (MemSnapshot.Field f : FIELDS) {
            KEYS[f.ordinal()] = AsciiCursor.ascii(f.label + ":");
        }
    }

    private final AsciiCursor cursor;

    MeminfoParser(String source) {
        this.cursor = new AsciiCursor(source);
    }

    void parse(ByteBuffer text, MemSnapshot into) {
        into.clear();
        cursor.reset(text);
        while (cursor.hasLine()) {
            for (int i = 0; i < KEYS.length; i++) {
                if (cursor.skipKey(KEYS[i])) {
                    into.set(i, value());
                    break;
                }
            }
            cursor.nextLine();
        }
        requirePresent(into, MemSnapshot.Field.MEM_TOTAL);
        requirePresent(into, MemSnapshot.Field.MEM_FREE);
    }

    private long value() {
        cursor.skipBlanks();
        long v = cursor.nextUnsigned();
        cursor.skipBlanks();
        if (cursor.atLineEnd()) {
            return v;
        }
        if (!cursor.skipKey(KB)) {
            throw cursor.error("unit is not kB");
        }
        if (Long.compareUnsigned(v, Long.MAX_VALUE >>> 10) > 0) {
            throw cursor.error("kB value too large");
        }
        return v << 10;
    }

    private void requirePresent(MemSnapshot snapshot, MemSnapshot.Field f) {
        if (!snapshot.has(f)) {
            throw new ProcFormatException(cursor.source() + ": no " + f.label + " line");
        }
    }
}
