package io.vmpulse.registry.layout;

/**
 * The value types a registry field can have. The numeric code is what the field directory stores,
 * so codes are part of the ABI and are never reused. All numbers are little-endian.
 */
public enum FieldType {
    /**
     * Unsigned 64-bit integer (Java sees it as a {@code long}; compare with {@code
     * Long.compareUnsigned}).
     */
    U64(1, 8),
    /** Signed 64-bit integer. */
    I64(2, 8),
    /** IEEE-754 binary64. */
    F64(3, 8),
    /** Unsigned 32-bit integer. */
    U32(4, 4),
    /** UTF-8 text in a fixed number of bytes, NUL-padded, always holding at least one NUL. */
    UTF8(5, 0);

    private final int code;
    private final int fixedSize;

    FieldType(int code, int fixedSize) {
        this.code = code;
        this.fixedSize = fixedSize;
    }

    public int code() {
        return code;
    }

    /** Size in bytes of one value, or 0 when the field declares it (text). */
    public int fixedSize() {
        return fixedSize;
    }

    public static FieldType ofCode(int code) {
        for (FieldType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown field type code " + code);
    }
}
