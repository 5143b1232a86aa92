package io.vmpulse.registry.read;

import static io.vmpulse.registry.layout.RegistryLayout.*;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.UsedBlocks;
import io.vmpulse.registry.layout.VmRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A consistent copy of one slot, filled by {@link RegistryReader#read}. Reused between reads
 * ({@link RegistryReader#newSnapshot()}); reading into it does not allocate.
 *
 * <p>To follow one VM, remember its {@link #generation()} and compare on every read: a different
 * generation means the slot was freed and now belongs to another VM (or to none).
 */
public final class SlotSnapshot {

    private final ByteBuffer header =
            ByteBuffer.allocate(SLOT_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final VmRecord sample;
    private int sampleSize;
    private int slot = -1;
    private long seq;
    private int attempts;

    /** Blocks the copy in use reads from the slot (1.4; all of them for an older file). */
    private final long[] usedBlocks = new long[USED_BLOCKS_WORDS];

    /**
     * Blocks of {@link #sample} that may hold bytes of some copy: those not used by the current one
     * are zeroed when it completes.
     */
    private final long[] mayHold = new long[USED_BLOCKS_WORDS];

    SlotSnapshot(int sampleSize) {
        this.sampleSize = sampleSize;
        this.sample = new VmRecord(Math.max(sampleSize, RecordFields.SIZE));
    }

    byte[] headerBytes() {
        return header.array();
    }

    long[] usedBlocks() {
        return usedBlocks;
    }

    /** An attempt is about to copy {@code used} into the sample, whether it succeeds or not. */
    void mayHold(long[] used) {
        for (int w = 0; w < used.length; w++) {
            mayHold[w] |= used[w];
        }
    }

    /** A whole sample was copied (a file before 1.4). */
    void mayHoldAll() {
        Arrays.fill(mayHold, -1L);
    }

    /** The copy of {@code used} succeeded: blocks other copies left in the sample become zero. */
    void zeroUnused(long[] used) {
        byte[] b = sample.bytes();
        for (int w = 0; w < used.length; w++) {
            long stale = mayHold[w] & ~used[w];
            while (stale != 0) {
                int first = Long.numberOfTrailingZeros(stale);
                int end = UsedBlocks.runEnd(stale, first);
                int from = Math.min(UsedBlocks.start(64 * w + first), b.length);
                int to = Math.min(UsedBlocks.start(64 * w + end), b.length);
                Arrays.fill(b, from, to, (byte) 0);
                stale = UsedBlocks.from(stale, end);
            }
            mayHold[w] = used[w];
        }
    }

    void completed(int slot, long seq, int attempts, int sampleSize) {
        this.slot = slot;
        this.seq = seq;
        this.attempts = attempts;
        this.sampleSize = sampleSize;
    }

    public int slot() {
        return slot;
    }

    /** The slot's seqlock value for this copy: it grows by 2 with every change. */
    public long seq() {
        return seq;
    }

    /**
     * Copies tried before this one was consistent (1 = no retry); after a failed read, how many
     * were tried.
     */
    public int attempts() {
        return attempts;
    }

    public long generation() {
        return header.getLong(SLOT_GENERATION_OFFSET);
    }

    public int state() {
        return header.getInt(SLOT_STATE_OFFSET);
    }

    public boolean isFree() {
        return state() == STATE_FREE;
    }

    public long claimedUnixNanos() {
        return header.getLong(SLOT_CLAIMED_UNIX_NS_OFFSET);
    }

    public String vmId() {
        byte[] b = header.array();
        int n = 0;
        while (n < VM_ID_BYTES && b[SLOT_VM_ID_OFFSET + n] != 0) {
            n++;
        }
        return new String(b, SLOT_VM_ID_OFFSET, n, StandardCharsets.UTF_8);
    }

    /** The copied sample. Fields beyond the writer's sample size (an older writer) read as zero. */
    public VmRecord sample() {
        return sample;
    }

    /**
     * True when the sample's stored checksum matches its bytes. Meaningful for live and final slots
     * (a free slot is all zero). With the seqlock this is always true; it exists so that
     * consistency can be checked independently of it.
     */
    public boolean checksumMatches() {
        return sample.checksumMatches(sampleSize);
    }
}
