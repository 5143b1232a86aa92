package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SlotLifecycleTest {

    @TempDir Path dir;

    private RegistryWriter writer(int slots) throws Exception {
        return RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), slots, null));
    }

    @Test
    void claimed_slot_is_live_with_the_vm_id_and_an_empty_sample() throws Exception {
        try (RegistryWriter w = writer(4);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-a");
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            assertEquals(RegistryLayout.STATE_LIVE, s.state());
            assertEquals("vm-a", s.vmId());
            assertEquals(1, s.generation());
            assertEquals(0, s.sample().presence(), "nothing is present before the first publish");
            assertTrue(s.checksumMatches());
        }
    }

    @Test
    void a_reused_snapshot_reads_a_record_that_shrank_as_zero_past_its_new_counts()
            throws Exception {
        try (RegistryWriter w = writer(2);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-a");
            VmRecord u = everyCpu();
            w.publish(slot, u);
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            assertEquals(1_020, s.sample().getLong(RecordFields.CPU_USER_NS_EACH, 20));

            // The record keeps cpu[20] in its own bytes; past cpu_count it is not published.
            u.putInt(RecordFields.CPU_COUNT, 1);
            w.publish(slot, u);
            assertTrue(r.read(slot, s));
            assertEquals(1_000, s.sample().getLong(RecordFields.CPU_USER_NS_EACH, 0));
            assertEquals(
                    0,
                    s.sample().getLong(RecordFields.CPU_USER_NS_EACH, 20),
                    "the snapshot's copy of the earlier record is zeroed");
            assertTrue(s.checksumMatches());
        }
    }

    @Test
    void the_slot_holds_the_record_between_merges_as_readers_see_it() throws Exception {
        try (RegistryWriter w = writer(2);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-a");
            VmRecord u = everyCpu();
            u.putString(RecordFields.KERNEL_RELEASE, "6.1.0");
            u.putLong(RecordFields.GUEST_SEQ, 42);
            w.publish(slot, u);

            // A merge thread's record still holds another VM's bytes.
            VmRecord into = new VmRecord();
            Arrays.fill(into.bytes(), (byte) 0x5A);
            w.copyOut(slot, into);
            assertArrayEquals(u.bytes(), into.bytes(), "the whole record, checksum included");

            u.putInt(RecordFields.CPU_COUNT, 1);
            w.publish(slot, u);
            Arrays.fill(into.bytes(), (byte) 0x5A);
            w.copyOut(slot, into);
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            assertTrue(
                    Arrays.equals(
                            s.sample().bytes(),
                            0,
                            RecordFields.SIZE,
                            into.bytes(),
                            0,
                            RecordFields.SIZE),
                    "blocks the slot no longer publishes come back as zero, as readers read them");
            assertEquals(0, into.getLong(RecordFields.CPU_USER_NS_EACH, 20));
            assertEquals(42, into.getLong(RecordFields.GUEST_SEQ));

            w.markFinal(slot, u);
            assertThrows(IllegalStateException.class, () -> w.copyOut(slot, into));
        }
    }

    /** A record with every guest CPU's entry filled: cpu[i] has 1,000 + i ns of user time. */
    private static VmRecord everyCpu() {
        VmRecord u = new VmRecord();
        u.putInt(RecordFields.CPU_COUNT, RecordFields.MAX_GUEST_CPUS);
        for (int i = 0; i < RecordFields.MAX_GUEST_CPUS; i++) {
            u.putLong(RecordFields.CPU_USER_NS_EACH, i, 1_000 + i);
        }
        return u;
    }

    @Test
    void published_values_are_read_back() throws Exception {
        try (RegistryWriter w = writer(4);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-a");
            VmRecord u = new VmRecord();
            u.putLong(RecordFields.MEM_TOTAL_BYTES, 8L << 30);
            u.putInt(RecordFields.FS_COUNT, 3);
            u.putString(RecordFields.FS_MOUNT_POINT, 2, "/var/lib");
            u.putDouble(RecordFields.GUEST_CPU_BUSY_PCT, 37.5);
            u.setPresent(RecordFlags.PRESENT_GUEST_MEMORY, true);
            w.publish(slot, u);
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            assertEquals(8L << 30, s.sample().getLong(RecordFields.MEM_TOTAL_BYTES));
            assertEquals("/var/lib", s.sample().getString(RecordFields.FS_MOUNT_POINT, 2));
            assertEquals(37.5, s.sample().getDouble(RecordFields.GUEST_CPU_BUSY_PCT));
            assertTrue(s.sample().isPresent(RecordFlags.PRESENT_GUEST_MEMORY));
            assertFalse(
                    s.sample().isPresent(RecordFlags.PRESENT_HOST_VCPU), "host half stays absent");
            assertTrue(s.checksumMatches());
        }
    }

    @Test
    void reused_slot_gets_a_new_generation_and_a_reader_holding_the_old_one_notices()
            throws Exception {
        try (RegistryWriter w = writer(1);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-old");
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            long held = s.generation();

            w.release(slot);
            assertTrue(r.read(slot, s));
            assertTrue(s.isFree());
            assertEquals("", s.vmId(), "a freed slot keeps no trace of its VM");

            assertEquals(slot, w.claim("vm-new"), "the only slot is reused");
            assertTrue(r.read(slot, s));
            assertNotEquals(held, s.generation(), "reuse must change the generation");
            assertEquals("vm-new", s.vmId());
        }
    }

    @Test
    void final_sample_carries_the_final_flag_and_blocks_further_publishing() throws Exception {
        try (RegistryWriter w = writer(2);
                RegistryReader r = RegistryReader.open(w.path())) {
            int slot = w.claim("vm-a");
            VmRecord u = new VmRecord();
            u.putLong(RecordFields.GUEST_SEQ, 99);
            w.markFinal(slot, u);
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            assertEquals(RegistryLayout.STATE_FINAL, s.state());
            assertTrue(s.sample().hasFlags(RecordFlags.FLAG_FINAL));
            assertEquals(99, s.sample().getLong(RecordFields.GUEST_SEQ));
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> w.publish(slot, u));
            assertTrue(e.getMessage().contains("final"), e.getMessage());

            List<String> seen = new ArrayList<>();
            r.forEachLive(
                    r.newSnapshot(),
                    snap -> seen.add(snap.vmId() + ":" + RegistryLayout.stateName(snap.state())));
            assertEquals(
                    List.of("vm-a:final"),
                    seen,
                    "a final slot is still listed until it is released");
        }
    }

    @Test
    void for_each_live_visits_claimed_slots_only() throws Exception {
        try (RegistryWriter w = writer(8);
                RegistryReader r = RegistryReader.open(w.path())) {
            w.claim("a");
            int b = w.claim("b");
            w.claim("c");
            w.release(b);
            List<String> seen = new ArrayList<>();
            int skipped = r.forEachLive(r.newSnapshot(), s -> seen.add(s.vmId()));
            assertEquals(List.of("a", "c"), seen);
            assertEquals(0, skipped);
        }
    }

    @Test
    void full_registry_duplicate_ids_bad_ids_and_freed_slots_are_refused_clearly()
            throws Exception {
        try (RegistryWriter w = writer(2)) {
            w.claim("a");
            IllegalArgumentException dup =
                    assertThrows(IllegalArgumentException.class, () -> w.claim("a"));
            assertTrue(dup.getMessage().contains("already holds slot"), dup.getMessage());
            w.claim("b");
            IllegalStateException full =
                    assertThrows(IllegalStateException.class, () -> w.claim("c"));
            assertTrue(full.getMessage().contains("full"), full.getMessage());
            assertThrows(IllegalArgumentException.class, () -> w.claim(""));
            assertThrows(IllegalArgumentException.class, () -> w.claim("x".repeat(64)));
            int b = 1;
            w.release(b);
            IllegalStateException freed =
                    assertThrows(IllegalStateException.class, () -> w.publish(b, new VmRecord()));
            assertTrue(freed.getMessage().contains("free"), freed.getMessage());
        }
    }
}
