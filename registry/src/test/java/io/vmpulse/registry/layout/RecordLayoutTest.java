package io.vmpulse.registry.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecordLayoutTest {

    @Test
    void fields_do_not_overlap_stay_inside_the_sample_and_are_naturally_aligned() {
        BitSet used = new BitSet();
        for (RecordField f : RecordFields.ALL) {
            for (int i = 0; i < f.count(); i++) {
                int at = f.offsetOf(i);
                assertTrue(
                        at + f.size() <= RecordFields.SIZE, f.name() + " ends beyond the sample");
                assertEquals(
                        0,
                        at % Math.min(8, f.type() == FieldType.UTF8 ? 8 : f.size()),
                        f.name() + " misaligned");
                assertTrue(
                        used.get(at, at + f.size()).isEmpty(),
                        f.name() + "[" + i + "] overlaps another field");
                used.set(at, at + f.size());
            }
        }
        assertEquals(0, RecordFields.SIZE % 8);
        assertEquals(0, RecordFields.CHECKSUM.offset(), "the checksum covers everything after it");
    }

    @Test
    void field_names_are_unique_snake_case_and_fit_the_directory() {
        Set<String> names = new HashSet<>();
        for (RecordField f : RecordFields.ALL) {
            assertTrue(names.add(f.name()), "duplicate " + f.name());
            assertTrue(f.name().matches("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?"), f.name());
        }
    }

    @Test
    void changing_any_single_word_changes_the_checksum() {
        VmRecord s = new VmRecord();
        SplittableRandom rnd = new SplittableRandom(42);
        for (int off = 0; off < RecordFields.SIZE; off++) {
            s.bytes()[off] = (byte) rnd.nextInt();
        }
        long base = RecordChecksum.of(s.bytes(), RecordFields.SIZE);
        for (int off = 8; off < RecordFields.SIZE; off += 8) {
            byte old = s.bytes()[off + 3];
            s.bytes()[off + 3] ^= 0x10;
            assertNotEquals(
                    base, RecordChecksum.of(s.bytes(), RecordFields.SIZE), "word at " + off);
            s.bytes()[off + 3] = old;
        }
        s.bytes()[0] ^= 1;
        assertEquals(
                base,
                RecordChecksum.of(s.bytes(), RecordFields.SIZE),
                "the checksum field itself is not hashed");
    }

    @Test
    void checksum_follows_its_definition_for_every_length_up_to_two_blocks_past_the_sample() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int words = 0; words <= 40; words++) {
            byte[] b = randomBytes(rnd, 8 + words * 8);
            assertEquals(byDefinition(b), RecordChecksum.of(b, b.length), words + " words");
        }
        byte[] whole = randomBytes(rnd, RecordFields.SIZE);
        assertEquals(byDefinition(whole), RecordChecksum.of(whole, whole.length));
    }

    /** docs/shm-abi.md, literally: lane l holds words w[8k + l] and absorbs them two at a time. */
    private static long byDefinition(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int n = (b.length - 8) / 8;
        long p = RecordChecksum.PRIME;
        long[] h = new long[8];
        for (int l = 0; l < 8; l++) {
            h[l] = RecordChecksum.SEED + l;
            List<Long> u = new ArrayList<>();
            for (int i = l; i < n; i += 8) {
                u.add(buf.getLong(8 + i * 8));
            }
            for (int k = 0; k < u.size(); k += 2) {
                long x = u.get(k);
                if (k + 1 < u.size()) {
                    x ^= Long.rotateLeft(u.get(k + 1), 32);
                }
                h[l] = (h[l] ^ x) * p;
            }
        }
        long r = h[0];
        for (int l = 1; l < 8; l++) {
            r = (r ^ h[l]) * p;
        }
        return r ^ (r >>> 32);
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt();
        }
        return b;
    }

    @Test
    void text_is_cut_at_a_character_boundary_and_always_nul_terminated() {
        VmRecord s = new VmRecord();
        RecordField f = RecordFields.FS_TYPE; // 16 bytes: at most 15 of text
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
        VmRecord s = new VmRecord();
        assertThrows(
                IllegalArgumentException.class,
                () -> s.putDouble(RecordFields.MEM_TOTAL_BYTES, 1.0));
        assertThrows(IllegalArgumentException.class, () -> s.getLong(RecordFields.CPU_ONLINE));
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> s.putLong(RecordFields.FS_SIZE_BYTES, RecordFields.MAX_FILESYSTEMS, 1));
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> s.getLong(RecordFields.VCPU_RUN_NS_EACH, -1));
    }

    @Test
    void u32_fields_read_back_unsigned() {
        VmRecord s = new VmRecord();
        s.putInt(RecordFields.CPU_ONLINE, -1);
        assertEquals(0xFFFF_FFFFL, s.getUnsignedInt(RecordFields.CPU_ONLINE));
        assertEquals(0, s.getUnsignedInt(RecordFields.CPU_COLUMNS), "the neighbour is untouched");
    }

    @Test
    void flags_and_presence_bits_set_and_clear_independently() {
        VmRecord s = new VmRecord();
        s.setFlags(RecordFlags.FLAG_GUEST_CONNECTED | RecordFlags.FLAG_NET_FAILING, true);
        s.setFlags(RecordFlags.FLAG_GUEST_CONNECTED, false);
        assertEquals(RecordFlags.FLAG_NET_FAILING, s.flags());
        s.setPresent(RecordFlags.PRESENT_HOST_NET, true);
        assertTrue(s.isPresent(RecordFlags.PRESENT_HOST_NET));
        assertFalse(s.isPresent(RecordFlags.PRESENT_HOST_NET | RecordFlags.PRESENT_HOST_VCPU));
    }
}
