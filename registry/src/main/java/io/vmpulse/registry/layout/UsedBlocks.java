package io.vmpulse.registry.layout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of a record that holds data, as a bitmap of 128-byte blocks (ABI 1.4): what the writer
 * copies into a slot and a reader copies out, instead of the whole record, most of which is arrays
 * sized for the largest VM.
 *
 * <pre>
 *  sample byte 0      8                 136               264
 *              +------+-----------------+-----------------+-- ... --+-------------+
 *              | csum | block 0 (128 B) | block 1         |         | last block  |  (may be short)
 *              +------+-----------------+-----------------+-- ... --+-------------+
 *  slot header used_blocks u64[4]: bit b (word b / 64, bit b % 64) set = block b was published
 * </pre>
 *
 * Blocks start after the checksum word so that each is one round of {@link RecordChecksum}: a block
 * the writer left out is all zero in the slot, and a zero block changes each lane's hash by a fixed
 * factor, so both sides hash only the blocks that were published ({@link RecordChecksum#of(byte[],
 * int, long)}) and still get the checksum of the whole sample, the one 1.3 readers verify.
 *
 * <p>The writer publishes every block that overlaps a field, except array elements at or past the
 * count their {@link RecordFields#countOf count field} holds (which the ABI already defines as
 * zero): for a VM with 4 guest CPUs, 2 filesystems, 2 drives and 1 interface that is 30 of the 60
 * blocks; 21 are published whatever the counts.
 */
public final class UsedBlocks {

    /** Sample bytes before block 0: the checksum, which is always copied. */
    public static final int FIRST = 8;

    public static final int BLOCK_BYTES = 128;

    /** Blocks the slot header's map covers; blocks past it (none yet) are always copied. */
    public static final int MAP_BLOCKS = RegistryLayout.USED_BLOCKS_WORDS * 64;

    /** Blocks of this version's record; at most 64, so the writer's map is one word. */
    public static final int BLOCKS = count(RecordFields.SIZE);

    /** Blocks that hold a field whatever the counts say. */
    private static final long FIXED;

    private static final List<Counted> COUNTED;

    /** One count field and, for each count n, the blocks of the elements below n. */
    private record Counted(RecordField count, long[] byCount) {}

    static {
        if (BLOCKS > 64) {
            throw new ExceptionInInitializerError(
                    "the record needs more than one used_blocks word");
        }
        long fixed = 0;
        Map<RecordField, long[]> perElement = new LinkedHashMap<>();
        for (RecordField f : RecordFields.ALL) {
            RecordField count = RecordFields.countOf(f);
            for (int i = 0; i < f.count(); i++) {
                long blocks = of(f.offsetOf(i), f.offsetOf(i) + f.size());
                if (count == null) {
                    fixed |= blocks;
                } else {
                    perElement.computeIfAbsent(count, c -> new long[f.count()])[i] |= blocks;
                }
            }
        }
        FIXED = fixed;
        List<Counted> counted = new ArrayList<>();
        perElement.forEach(
                (count, elements) -> {
                    long[] byCount = new long[elements.length + 1];
                    for (int n = 1; n <= elements.length; n++) {
                        byCount[n] = byCount[n - 1] | elements[n - 1];
                    }
                    counted.add(new Counted(count, byCount));
                });
        COUNTED = List.copyOf(counted);
    }

    private UsedBlocks() {}

    /** Blocks of a sample of {@code sampleSize} bytes. */
    public static int count(int sampleSize) {
        return (sampleSize - FIRST + BLOCK_BYTES - 1) / BLOCK_BYTES;
    }

    /** Sample offset where block {@code b} starts. */
    public static int start(int b) {
        return FIRST + b * BLOCK_BYTES;
    }

    /**
     * The blocks of this version's record that the writer publishes for {@code r}: every block with
     * a field in it, but for counted arrays only the elements below the count.
     */
    public static long of(VmRecord r) {
        long used = FIXED;
        for (Counted c : COUNTED) {
            long n = r.getUnsignedInt(c.count);
            used |= c.byCount[(int) Math.min(n, c.byCount.length - 1)];
        }
        return used;
    }

    /** The blocks that overlap sample bytes {@code [from, to)} (below 64; from >= FIRST). */
    static long of(int from, int to) {
        int first = (from - FIRST) / BLOCK_BYTES;
        int last = (to - 1 - FIRST) / BLOCK_BYTES;
        long mask = 0;
        for (int b = first; b <= last; b++) {
            mask |= 1L << b;
        }
        return mask;
    }

    /**
     * The block after the run of set bits that starts at bit {@code first} of {@code word} (64 when
     * it runs to the top): with {@code first}, one copy per run of neighbouring blocks.
     */
    public static int runEnd(long word, int first) {
        return Math.min(64, first + Long.numberOfTrailingZeros(~(word >>> first)));
    }

    /** {@code word} without its bits below {@code end}. */
    public static long from(long word, int end) {
        return end >= 64 ? 0 : word & (-1L << end);
    }
}
