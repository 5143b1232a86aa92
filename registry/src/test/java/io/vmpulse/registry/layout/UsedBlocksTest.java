package io.vmpulse.registry.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UsedBlocksTest {

    @Test
    void checksum_over_the_used_blocks_is_the_checksum_of_the_sample_with_the_others_zero() {
        SplittableRandom rnd = new SplittableRandom(7);
        // Lengths that end a block exactly, and that leave each size of short last block.
        int[] tails = {0, 8, 56, 64, 72, 120};
        for (int blocks = 0; blocks <= 60; blocks += 3) {
            for (int tail : tails) {
                int length = UsedBlocks.FIRST + blocks * UsedBlocks.BLOCK_BYTES + tail;
                for (int round = 0; round < 20; round++) {
                    byte[] sample = new byte[length];
                    rnd.nextBytes(sample);
                    long used = round == 0 ? 0 : round == 1 ? -1L : rnd.nextLong();
                    byte[] zeroed = sample.clone();
                    for (int b = 0; b < UsedBlocks.count(length); b++) {
                        if ((used & (1L << b)) == 0) {
                            int from = UsedBlocks.start(b);
                            int to = Math.min(from + UsedBlocks.BLOCK_BYTES, length);
                            java.util.Arrays.fill(zeroed, from, to, (byte) 0);
                        }
                    }
                    assertEquals(
                            RecordChecksum.of(zeroed, length),
                            RecordChecksum.of(sample, length, used),
                            "length " + length + ", used " + Long.toHexString(used));
                }
            }
        }
    }

    @Test
    void a_changed_word_in_a_used_block_changes_the_checksum_and_one_in_an_unused_block_does_not() {
        VmRecord r = new VmRecord();
        r.putInt(RecordFields.CPU_COUNT, 1);
        long used = UsedBlocks.of(r);
        int tail = RecordFields.DUPLICATE_SAMPLES.offset();
        int unusedCpu = RecordFields.CPU_USER_NS_EACH.offsetOf(20);
        long before = RecordChecksum.of(r.bytes(), RecordFields.SIZE, used);
        r.putLong(RecordFields.DUPLICATE_SAMPLES, 1);
        assertNotEquals(
                before, RecordChecksum.of(r.bytes(), RecordFields.SIZE, used), "at " + tail);
        r.putLong(RecordFields.DUPLICATE_SAMPLES, 0);
        r.putLong(RecordFields.CPU_USER_NS_EACH, 20, 1);
        assertEquals(
                before,
                RecordChecksum.of(r.bytes(), RecordFields.SIZE, used),
                "cpu[20] at " + unusedCpu + " is past cpu_count: not published, not hashed");
    }

    @Test
    void every_field_is_published_but_array_elements_past_their_count() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < 200; round++) {
            VmRecord r = new VmRecord();
            r.putInt(RecordFields.CPU_COUNT, rnd.nextInt(40));
            r.putInt(RecordFields.FS_COUNT, rnd.nextInt(10));
            r.putInt(RecordFields.DISK_COUNT, rnd.nextInt(10));
            r.putInt(RecordFields.NIC_COUNT, round == 0 ? -1 : rnd.nextInt(10));
            long used = UsedBlocks.of(r);
            for (RecordField f : RecordFields.ALL) {
                RecordField count = RecordFields.countOf(f);
                long n = count == null ? f.count() : Math.min(f.count(), r.getUnsignedInt(count));
                for (int i = 0; i < n; i++) {
                    long blocks = UsedBlocks.of(f.offsetOf(i), f.offsetOf(i) + f.size());
                    assertEquals(blocks, used & blocks, f.name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void an_empty_record_publishes_well_under_half_its_blocks() {
        int published = Long.bitCount(UsedBlocks.of(new VmRecord()));
        assertTrue(
                published < UsedBlocks.BLOCKS / 2,
                published + " of " + UsedBlocks.BLOCKS + " blocks for a record with no elements");
        VmRecord full = new VmRecord();
        full.putInt(RecordFields.CPU_COUNT, RecordFields.MAX_GUEST_CPUS);
        full.putInt(RecordFields.FS_COUNT, RecordFields.MAX_FILESYSTEMS);
        full.putInt(RecordFields.DISK_COUNT, RecordFields.MAX_DISKS);
        full.putInt(RecordFields.NIC_COUNT, RecordFields.MAX_NICS);
        assertEquals(
                UsedBlocks.BLOCKS,
                Long.bitCount(UsedBlocks.of(full)),
                "every array full: every block");
    }
}
