package io.vmpulse.collector.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SampleLayoutTest {

    @Test
    void fields_do_not_overlap_stay_inside_the_sample_and_are_naturally_aligned() {
        BitSet used = new BitSet();
        for (SampleField f : SampleFields.ALL) {
            for (int i = 0; i < f.count(); i++) {
                int at = f.offsetOf(i);
                assertTrue(at + f.size() <= SampleFields.SIZE, f.name() + " ends beyond the sample");
                assertEquals(0, at % Math.min(8, f.type() == FieldType.UTF8 ? 8 : f.size()), f.name() + " misaligned");
                assertTrue(used.get(at, at + f.size()).isEmpty(), f.name() + "[" + i + "] overlaps another field");
                used.set(at, at + f.size());
            }
        }
        assertEquals(0, SampleFields.SIZE % 8);
        assertEquals(0, SampleFields.CHECKSUM.offset(), "the checksum covers everything after it");
    }

    @Test
    void field_names_are_unique_snake_case_and_fit_the_directory() {
        Set<String> names = new HashSet<>();
        for (SampleField f : SampleFields.ALL) {
            assertTrue(names.add(f.name()), "duplicate " + f.name());
            assertTrue(f.name().matches("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?"), f.name());
        }
    }

    @Test
    void changing_any_single_word_changes_the_checksum() {
        UnifiedSample s = new UnifiedSample();
        SplittableRandom rnd = new SplittableRandom(42);
        for (int off = 0; off < SampleFields.SIZE; off++) {
            s.bytes()[off] = (byte) rnd.nextInt();
        }
        long base = SampleChecksum.of(s.bytes(), SampleFields.SIZE);
        for (int off = 8; off < SampleFields.SIZE; off += 8) {
            byte old = s.bytes()[off + 3];
            s.bytes()[off + 3] ^= 0x10;
            assertNotEquals(base, SampleChecksum.of(s.bytes(), SampleFields.SIZE), "word at " + off);
            s.bytes()[off + 3] = old;
        }
        s.bytes()[0] ^= 1;
        assertEquals(base, SampleChecksum.of(s.bytes(), SampleFields.SIZE), "the checksum field itself is not hashed");
    }

    @Test
    void checksum_matches_a_value_computed_by_hand_for_a_short_input() {
        // 5 words after the checksum: lanes 0,1,2,3,0.
        byte[] b = new byte[8 + 5 * 8];
        for (int w = 0; w < 5; w++) {
            b[8 + w * 8] = (byte) (w + 1);
        }
        long p = SampleChecksum.PRIME;
        long h0 = ((SampleChecksum.SEED ^ 1) * p ^ 5) * p;
        long h1 = ((SampleChecksum.SEED + 1) ^ 2) * p;
        long h2 = ((SampleChecksum.SEED + 2) ^ 3) * p;
        long h3 = ((SampleChecksum.SEED + 3) ^ 4) * p;
        long r = (((h0 ^ h1) * p ^ h2) * p ^ h3) * p;
        assertEquals(r ^ (r >>> 32), SampleChecksum.of(b, b.length));
    }

    @Test
    void text_is_cut_at_a_character_boundary_and_always_nul_terminated() {
        UnifiedSample s = new UnifiedSample();
        SampleField f = SampleFields.FS_TYPE; // 16 bytes: at most 15 of text
        assertTrue(s.putString(f, 3, "ext4"));
        assertEquals("ext4", s.getString(f, 3));
        assertFalse(s.putString(f, 3, "ééééééééé"), "18 bytes do not fit"); // 2 bytes each
        assertEquals("ééééééé", s.getString(f, 3), "cut after 14 bytes, not inside a character");
        assertEquals(0, s.bytes()[f.offsetOf(3) + 15]);
        assertFalse(s.putString(f, 3, "a\0b"));
        assertEquals("a", s.getString(f, 3), "an embedded NUL ends the text");
        assertTrue(s.putString(f, 3, "\uD83D\uDE00x")); // one 4-byte character
        assertEquals("\uD83D\uDE00x", s.getString(f, 3));
        assertEquals("", s.getString(f, 2), "other elements untouched");
    }

    @Test
    void accessors_refuse_the_wrong_type_and_out_of_range_elements() {
        UnifiedSample s = new UnifiedSample();
        assertThrows(IllegalArgumentException.class, () -> s.putDouble(SampleFields.MEM_TOTAL_BYTES, 1.0));
        assertThrows(IllegalArgumentException.class, () -> s.getLong(SampleFields.CPU_ONLINE));
        assertThrows(IndexOutOfBoundsException.class, () -> s.putLong(SampleFields.FS_SIZE_BYTES, SampleFields.MAX_FILESYSTEMS, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.getLong(SampleFields.VCPU_RUN_NS_EACH, -1));
    }

    @Test
    void u32_fields_read_back_unsigned() {
        UnifiedSample s = new UnifiedSample();
        s.putInt(SampleFields.CPU_ONLINE, -1);
        assertEquals(0xFFFF_FFFFL, s.getUnsignedInt(SampleFields.CPU_ONLINE));
        assertEquals(0, s.getUnsignedInt(SampleFields.CPU_COLUMNS), "the neighbour is untouched");
    }

    @Test
    void flags_and_presence_bits_set_and_clear_independently() {
        UnifiedSample s = new UnifiedSample();
        s.setFlags(SampleFlags.FLAG_GUEST_CONNECTED | SampleFlags.FLAG_NET_FAILING, true);
        s.setFlags(SampleFlags.FLAG_GUEST_CONNECTED, false);
        assertEquals(SampleFlags.FLAG_NET_FAILING, s.flags());
        s.setPresent(SampleFlags.PRESENT_HOST_NET, true);
        assertTrue(s.isPresent(SampleFlags.PRESENT_HOST_NET));
        assertFalse(s.isPresent(SampleFlags.PRESENT_HOST_NET | SampleFlags.PRESENT_HOST_VCPU));
    }
}
