package io.vmpulse.agent.sample;

import java.util.Arrays;

/**
 * What one read of {@code /proc/meminfo} said: one long per {@link Field}, already in bytes for
 * {@code kB} lines (the kernel's kB is KiB) and as printed for the page counts. A plain mutable
 * struct refilled in place by {@link MeminfoParser}.
 */
public final class MemSnapshot {

    /** The lines read, by their exact name in {@code /proc/meminfo}. */
    public enum Field {
        MEM_TOTAL("MemTotal"),
        MEM_FREE("MemFree"),
        MEM_AVAILABLE("MemAvailable"),
        BUFFERS("Buffers"),
        CACHED("Cached"),
        S_RECLAIMABLE("SReclaimable"),
        SHMEM("Shmem"),
        SWAP_TOTAL("SwapTotal"),
        SWAP_FREE("SwapFree"),
        DIRTY("Dirty"),
        WRITEBACK("Writeback"),
        HUGE_PAGES_TOTAL("HugePages_Total"),
        HUGE_PAGES_FREE("HugePages_Free"),
        HUGE_PAGE_SIZE("Hugepagesize"),
        COMMITTED_AS("Committed_AS"),
        ACTIVE_FILE("Active(file)"),
        INACTIVE_FILE("Inactive(file)");

        final String label;

        Field(String label) {
            this.label = label;
        }
    }

    private static final Field[] FIELDS = Field.values();

    final long[] values = new long[FIELDS.length];

    /** Bit {@code f.ordinal()} is set when the line for {@code f} was present. */
    long present;

    void clear() {
        Arrays.fill(values, 0);
        present = 0;
    }

    void set(int ordinal, long value) {
        values[ordinal] = value;
        present |= 1L << ordinal;
    }

    public long get(Field f) {
        return values[f.ordinal()];
    }

    boolean has(Field f) {
        return (present & 1L << f.ordinal()) != 0;
    }

    /**
     * Whether the kernel printed no MemAvailable line (before Linux 3.14), so it must be derived.
     */
    public boolean availableDerived() {
        return !has(Field.MEM_AVAILABLE);
    }

    /**
     * MemAvailable, or when the kernel lacks it the estimate documented in the wire contract:
     * MemFree + Active(file) + Inactive(file) + SReclaimable.
     */
    public long availableBytes() {
        if (has(Field.MEM_AVAILABLE)) {
            return get(Field.MEM_AVAILABLE);
        }
        return get(Field.MEM_FREE)
                + get(Field.ACTIVE_FILE)
                + get(Field.INACTIVE_FILE)
                + get(Field.S_RECLAIMABLE);
    }

    static Field[] fields() {
        return FIELDS;
    }
}
