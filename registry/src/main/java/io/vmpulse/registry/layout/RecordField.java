package io.vmpulse.registry.layout;

/**
 * One named field of a VM's record, as listed in the registry's field directory.
 *
 * <p>Element {@code i} (0 &lt;= i &lt; count) lives at {@code offset + i * stride} from the start
 * of the sample and takes {@code size} bytes. A scalar has {@code count == 1} and {@code stride ==
 * size}. Fields of an array of structs (for example {@code fs.size_bytes}) share the struct's
 * stride.
 *
 * @param name snake_case ABI name, at most 31 bytes; struct members are {@code array.member}
 * @param type value type
 * @param unit unit, at most 7 bytes (e.g. {@code ns}, {@code bytes}, {@code pct})
 * @param offset byte offset of element 0 within the sample
 * @param size bytes of one element
 * @param count number of elements
 * @param stride bytes between consecutive elements
 * @param presence the {@link RecordFlags} PRESENT_* bits that must all be set in the record's
 *     {@code presence} for this field to hold a value (0: always meaningful); stored in the
 *     directory entry since ABI 1.3
 * @param source where the value comes from (not stored in the file)
 * @param wire for a guest field copied as it is from the agent's message, the protobuf field path
 *     in {@code vmpulse.agent.v1.Sample} (e.g. {@code memory.total_bytes}); empty otherwise
 */
public record RecordField(
        String name,
        FieldType type,
        String unit,
        int offset,
        int size,
        int count,
        int stride,
        long presence,
        RecordSource source,
        String wire) {

    public static final int MAX_NAME_BYTES = 31;
    public static final int MAX_UNIT_BYTES = 7;

    public RecordField {
        if (name.isEmpty() || name.length() > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(
                    "field name must be 1.." + MAX_NAME_BYTES + " bytes: '" + name + "'");
        }
        if (unit.length() > MAX_UNIT_BYTES) {
            throw new IllegalArgumentException(
                    "unit of " + name + " longer than " + MAX_UNIT_BYTES + " bytes");
        }
        if (count < 1 || size < 1 || stride < size || offset < 0) {
            throw new IllegalArgumentException("bad geometry for field " + name);
        }
        if (type.fixedSize() != 0 && type.fixedSize() != size) {
            throw new IllegalArgumentException(
                    name + ": a " + type + " is " + type.fixedSize() + " bytes, not " + size);
        }
        if (presence < 0 || presence > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(
                    name + ": presence bits beyond 32 cannot be stored in the directory");
        }
        if (type.fixedSize() != 0 && offset % type.fixedSize() != 0) {
            throw new IllegalArgumentException(
                    name + " is not aligned to " + type.fixedSize() + " bytes");
        }
    }

    /** A field read from a file's directory: source and wire path are not stored there. */
    public RecordField(
            String name,
            FieldType type,
            String unit,
            int offset,
            int size,
            int count,
            int stride,
            long presence) {
        this(name, type, unit, offset, size, count, stride, presence, RecordSource.UNKNOWN, "");
    }

    /**
     * True when {@code presenceBits} (a record's {@code presence}) says this field holds a value.
     */
    public boolean presentIn(long presenceBits) {
        return (presenceBits & presence) == presence;
    }

    /** Byte offset of element {@code index} within the sample. */
    public int offsetOf(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(name + "[" + index + "], count " + count);
        }
        return offset + index * stride;
    }

    /**
     * True when this and {@code other} describe the same bytes the same way (names aside). A
     * presence of 0 in a 1.0 to 1.2 file's directory means "not stated", so only a stated one must
     * match.
     */
    public boolean sameGeometry(RecordField other) {
        return type == other.type
                && offset == other.offset
                && size == other.size
                && count == other.count
                && stride == other.stride
                && (presence == other.presence || presence == 0 || other.presence == 0);
    }
}
