package io.vmpulse.registry.layout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Everything one VM's registry slot publishes: the guest half, the host half, the rates derived
 * over the last interval and the freshness of each half.
 *
 * <p>A flyweight over its own byte array, laid out exactly as the registry ABI ({@link
 * RecordFields}, little-endian). Fields are read and written by their {@link RecordField} constant,
 * which names the field as the ABI does: {@code s.putLong(RecordFields.MEM_TOTAL_BYTES, v)}.
 * Publishing copies the array as it is, so a sample is filled in place, reused forever and never
 * allocates.
 *
 * <p>Absent values: a group whose {@link RecordFlags} PRESENT_* bit is clear is all zero. The host
 * half stays absent until the host-side sources fill it.
 *
 * <p>Not thread-safe: one thread fills a sample, then hands it to the registry writer.
 */
public final class VmRecord {

    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes;

    /** A zeroed sample of this version's size. */
    public VmRecord() {
        this(RecordFields.SIZE);
    }

    /**
     * A zeroed sample able to hold {@code capacity} bytes: a reader uses this for a registry
     * written by a newer minor version, whose samples are longer than {@link RecordFields#SIZE}.
     */
    public VmRecord(int capacity) {
        if (capacity < RecordFields.SIZE || capacity % 8 != 0) {
            throw new IllegalArgumentException(
                    "capacity " + capacity + " must be a multiple of 8 >= " + RecordFields.SIZE);
        }
        bytes = new byte[capacity];
    }

    /** The ABI bytes themselves (not a copy): what the registry copies in and out. */
    public byte[] bytes() {
        return bytes;
    }

    /** Zeroes every field: no flags, nothing present. */
    public void clear() {
        Arrays.fill(bytes, (byte) 0);
    }

    // ---- 64-bit integers (U64 and I64) -------------------------------------------------------

    public long getLong(RecordField f) {
        return getLong(f, 0);
    }

    public long getLong(RecordField f, int index) {
        return (long) LONG.get(bytes, offset(f, index, FieldType.U64, FieldType.I64));
    }

    public void putLong(RecordField f, long value) {
        putLong(f, 0, value);
    }

    public void putLong(RecordField f, int index, long value) {
        LONG.set(bytes, offset(f, index, FieldType.U64, FieldType.I64), value);
    }

    // ---- U32 (returned as a non-negative long, stored from an int's low 32 bits) ------------

    public long getUnsignedInt(RecordField f) {
        return getUnsignedInt(f, 0);
    }

    public long getUnsignedInt(RecordField f, int index) {
        return Integer.toUnsignedLong(
                (int) INT.get(bytes, offset(f, index, FieldType.U32, FieldType.U32)));
    }

    public void putInt(RecordField f, int value) {
        putInt(f, 0, value);
    }

    public void putInt(RecordField f, int index, int value) {
        INT.set(bytes, offset(f, index, FieldType.U32, FieldType.U32), value);
    }

    // ---- F64 --------------------------------------------------------------------------------

    public double getDouble(RecordField f) {
        return getDouble(f, 0);
    }

    public double getDouble(RecordField f, int index) {
        return (double) DOUBLE.get(bytes, offset(f, index, FieldType.F64, FieldType.F64));
    }

    public void putDouble(RecordField f, double value) {
        putDouble(f, 0, value);
    }

    public void putDouble(RecordField f, int index, double value) {
        DOUBLE.set(bytes, offset(f, index, FieldType.F64, FieldType.F64), value);
    }

    // ---- UTF8 -------------------------------------------------------------------------------

    public String getString(RecordField f) {
        return getString(f, 0);
    }

    public String getString(RecordField f, int index) {
        int off = offset(f, index, FieldType.UTF8, FieldType.UTF8);
        int len = 0;
        while (len < f.size() && bytes[off + len] != 0) {
            len++;
        }
        return new String(bytes, off, len, StandardCharsets.UTF_8);
    }

    public boolean putString(RecordField f, CharSequence value) {
        return putString(f, 0, value);
    }

    /**
     * Stores {@code value} as UTF-8, NUL-padded. Text longer than {@code size - 1} bytes is cut at
     * a character boundary (the field always keeps a terminating NUL for C readers). Text stops at
     * an embedded NUL. Encodes in place without allocating.
     *
     * <p>Guest text reaches terminals through every reader, so nothing that steers a terminal is
     * stored: each control character (C0, DEL and C1, which covers ESC of CSI and OSC sequences and
     * the 8-bit CSI) and each unpaired surrogate becomes U+FFFD. The one exception is {@link
     * RecordFields#LABELS}, whose entries the writer itself joins with {@code '\n'}. What is stored
     * is therefore always valid UTF-8 without control characters.
     *
     * @return false when the value was cut or a character replaced
     */
    public boolean putString(RecordField f, int index, CharSequence value) {
        int off = offset(f, index, FieldType.UTF8, FieldType.UTF8);
        boolean newlines = f == RecordFields.LABELS;
        int limit = f.size() - 1;
        int n = 0;
        boolean whole = true;
        for (int i = 0; i < value.length(); i++) {
            int cp = value.charAt(i);
            if (Character.isHighSurrogate((char) cp)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                cp = Character.toCodePoint((char) cp, value.charAt(i + 1));
            } else if (Character.isSurrogate((char) cp)
                    || (isControl(cp) && cp != 0 && !(newlines && cp == '\n'))) {
                cp = REPLACEMENT;
                whole = false;
            }
            int need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (cp == 0 || n + need > limit) {
                whole = false; // an embedded NUL would end the text early for C readers: cut there
                break;
            }
            n = encode(cp, need, off + n) - off;
            if (need == 4) {
                i++;
            }
        }
        Arrays.fill(bytes, off + n, off + f.size(), (byte) 0);
        return whole;
    }

    /** U+FFFD, what a refused character is stored as. */
    public static final int REPLACEMENT = 0xFFFD;

    /** C0 controls, DEL and C1 controls: what a reader must never pass to a terminal raw. */
    public static boolean isControl(int codePoint) {
        return codePoint < 0x20 || (codePoint >= 0x7F && codePoint <= 0x9F);
    }

    // ---- flags and presence -----------------------------------------------------------------

    public long flags() {
        return getLong(RecordFields.FLAGS);
    }

    public void setFlags(long bits, boolean on) {
        long v = flags();
        putLong(RecordFields.FLAGS, on ? v | bits : v & ~bits);
    }

    public boolean hasFlags(long bits) {
        return (flags() & bits) == bits;
    }

    public long presence() {
        return getLong(RecordFields.PRESENCE);
    }

    public void setPresent(long bits, boolean present) {
        long v = presence();
        putLong(RecordFields.PRESENCE, present ? v | bits : v & ~bits);
    }

    public boolean isPresent(long bits) {
        return (presence() & bits) == bits;
    }

    // ---- checksum ---------------------------------------------------------------------------

    /**
     * Computes and stores the checksum of the first {@code length} bytes (the writer does this).
     */
    public void sealChecksum(int length) {
        putLong(RecordFields.CHECKSUM, RecordChecksum.of(bytes, length));
    }

    /** True when the stored checksum matches the first {@code length} bytes. */
    public boolean checksumMatches(int length) {
        return getLong(RecordFields.CHECKSUM) == RecordChecksum.of(bytes, length);
    }

    private int encode(int cp, int need, int at) {
        switch (need) {
            case 1 -> bytes[at++] = (byte) cp;
            case 2 -> {
                bytes[at++] = (byte) (0xC0 | (cp >> 6));
                bytes[at++] = (byte) (0x80 | (cp & 0x3F));
            }
            case 3 -> {
                bytes[at++] = (byte) (0xE0 | (cp >> 12));
                bytes[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                bytes[at++] = (byte) (0x80 | (cp & 0x3F));
            }
            default -> {
                bytes[at++] = (byte) (0xF0 | (cp >> 18));
                bytes[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                bytes[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                bytes[at++] = (byte) (0x80 | (cp & 0x3F));
            }
        }
        return at;
    }

    private static int offset(RecordField f, int index, FieldType a, FieldType b) {
        if (f.type() != a && f.type() != b) {
            throw new IllegalArgumentException(f.name() + " is " + f.type() + ", not " + a);
        }
        return f.offsetOf(index);
    }
}
