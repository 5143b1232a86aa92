package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.TestJson;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordChecksum;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.UsedBlocks;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryFormatException;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every check docs/shm-abi.md ("Reader algorithm") tells a reader to make, made by each of the
 * three readers (Java, the C header through its dump tool, Python) against a file that breaks
 * exactly that rule, and the rules for what a newer minor version may add: unknown field types and
 * slot states are skipped, not fatal.
 */
@Timeout(180)
class ReaderRulesTest {

    @TempDir static Path dir;
    static Path cDump;
    static Path valid;

    /**
     * One VM whose record shrank: published with every array full, then with two guest CPUs, one
     * filesystem, one drive and one interface (the pattern still fills the elements past those).
     */
    static Path shrunk;

    @BeforeAll
    static void build() throws Exception {
        cDump = Tools.cDump(dir);
        valid = dir.resolve("registry");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(valid, 3, null))) {
            for (String vm : List.of("vm-0", "vm-1")) {
                VmRecord r = new VmRecord();
                SamplePattern.fillText(r, vm);
                SamplePattern.fillNumbers(r, 3);
                w.publish(w.claim(vm), r);
            }
        }
        shrunk = dir.resolve("shrunk");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(shrunk, 2, null))) {
            VmRecord r = new VmRecord();
            SamplePattern.fillText(r, "vm-s");
            SamplePattern.fillNumbers(r, 5);
            int slot = w.claim("vm-s");
            w.publish(slot, r);
            r.putInt(RecordFields.CPU_COUNT, 2);
            r.putInt(RecordFields.FS_COUNT, 1);
            r.putInt(RecordFields.DISK_COUNT, 1);
            r.putInt(RecordFields.NIC_COUNT, 1);
            w.publish(slot, r);
        }
    }

    @Test
    void
            elements_past_their_count_and_a_shrunk_records_old_tail_are_zero_in_the_file_and_every_reader()
                    throws Exception {
        byte[] raw = rawSample(shrunk, 0);
        long used = usedBlocks(shrunk, 0);
        assertTrue(Long.bitCount(used) < UsedBlocks.BLOCKS, Long.toHexString(used));
        for (int b = 0; b < UsedBlocks.BLOCKS; b++) {
            if ((used & (1L << b)) == 0) {
                int from = UsedBlocks.start(b);
                int to = Math.min(from + UsedBlocks.BLOCK_BYTES, raw.length);
                for (int i = from; i < to; i++) {
                    assertEquals(0, raw[i], "sample byte " + i + " of unused block " + b);
                }
            }
        }
        assertEquals(
                readLong(raw, 0),
                RecordChecksum.of(raw, raw.length),
                "a 1.3 reader hashes the whole sample and gets the stored checksum");
        try (RegistryReader r = RegistryReader.open(shrunk)) {
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(0, s));
            assertTrue(s.checksumMatches());
            assertTrue(s.sample().getLong(RecordFields.CPU_USER_NS_EACH, 1) != 0);
            // Elements in a block of their own past the count (cpu[2] and cpu[3] share blocks
            // with cpu[1], and are published with them).
            assertEquals(0, s.sample().getLong(RecordFields.CPU_USER_NS_EACH, 5));
            assertEquals("", s.sample().getString(RecordFields.FS_DEVICE, 3));
            assertEquals(0, s.sample().getLong(RecordFields.NIC_RX_BYTES_EACH, 5));
        }
        for (Tools.Result out :
                List.of(
                        Tools.run(List.of(cDump.toString(), "--json", shrunk.toString()), 30),
                        Tools.run(Tools.python("--json", shrunk.toString()), 60))) {
            Map<String, Object> slot = slots(out).get(0);
            assertEquals(true, slot.get("checksum_ok"));
            Map<String, Object> fields = fieldsOf(slot);
            assertEquals(0L, element(fields, "cpu.user_ns", 5));
            assertEquals("", element(fields, "fs_device", 3));
            assertEquals(0L, element(fields, "nic.rx_bytes", 5));
            assertNotEquals(0L, element(fields, "cpu.user_ns", 1));
        }
    }

    @Test
    void a_reader_of_1_3_reads_the_same_record_from_a_1_4_file() throws Exception {
        Path old = copyOf(shrunk, "as-1-3");
        putShort(old, VERSION_MINOR_OFFSET, 3);
        assertEquals(cFields(shrunk), cFields(old), "C, copying the whole sample");
        assertEquals(pythonFields(shrunk), pythonFields(old), "Python, copying the whole sample");
        assertEquals(
                true,
                slots(Tools.run(Tools.python("--json", old.toString()), 60))
                        .get(0)
                        .get("checksum_ok"));
    }

    @Test
    void bytes_in_blocks_a_slot_does_not_use_are_ignored_by_every_reader() throws Exception {
        Path p = copyOf(shrunk, "garbage-in-unused-blocks");
        long used = usedBlocks(p, 0);
        int sample = (int) readLong(p, SLOTS_OFFSET_OFFSET) + SAMPLE_OFFSET;
        byte[] junk = new byte[UsedBlocks.BLOCK_BYTES];
        java.util.Arrays.fill(junk, (byte) 0x5A);
        for (int b = 0; b < UsedBlocks.BLOCKS; b++) {
            if ((used & (1L << b)) == 0) {
                int len = Math.min(junk.length, RecordFields.SIZE - UsedBlocks.start(b));
                write(p, sample + UsedBlocks.start(b), ByteBuffer.wrap(junk, 0, len).position(len));
            }
        }
        byte[] clean = javaSample(shrunk);
        byte[] dirty = javaSample(p);
        assertEquals(-1, java.util.Arrays.mismatch(clean, dirty), "Java: first differing byte");
        assertEquals(cFields(shrunk), cFields(p), "C");
        assertEquals(pythonFields(shrunk), pythonFields(p), "Python");
    }

    @Test
    void
            a_torn_write_in_the_last_used_block_or_a_torn_used_blocks_fails_the_checksum_in_every_reader()
                    throws Exception {
        int sample = (int) readLong(shrunk, SLOTS_OFFSET_OFFSET) + SAMPLE_OFFSET;
        Path tail = copyOf(shrunk, "torn-tail");
        putLong(tail, sample + RecordFields.DUPLICATE_SAMPLES.offset(), 12345);
        Path map = copyOf(shrunk, "torn-used-blocks");
        int slot0 = (int) readLong(shrunk, SLOTS_OFFSET_OFFSET);
        long used = usedBlocks(shrunk, 0);
        putLong(map, slot0 + SLOT_USED_BLOCKS_OFFSET, used & ~Long.highestOneBit(used));
        for (Path p : List.of(tail, map)) {
            try (RegistryReader r = RegistryReader.open(p)) {
                SlotSnapshot s = r.newSnapshot();
                assertTrue(r.read(0, s));
                assertFalse(s.checksumMatches(), "Java " + p);
            }
            List<Map<String, Object>> c =
                    slots(Tools.run(List.of(cDump.toString(), "--json", p.toString()), 30));
            assertEquals(false, c.get(0).get("checksum_ok"), "C " + p);
            // Python takes a checksum mismatch for a torn copy: the slot is never accepted.
            Tools.Result py = Tools.run(Tools.python("--json", p.toString()), 120);
            assertEquals(List.of(), slots(py), "Python " + p);
            assertTrue(py.stderr().contains("slot 0: no consistent copy"), py.stderr());
        }
    }

    private static byte[] rawSample(Path p, int slot) throws IOException {
        int at = (int) readLong(p, SLOTS_OFFSET_OFFSET) + slot * SLOT_SIZE + SAMPLE_OFFSET;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(RecordFields.SIZE);
            ch.read(b, at);
            return b.array();
        }
    }

    private static long usedBlocks(Path p, int slot) throws IOException {
        return readLong(
                p,
                (int) readLong(p, SLOTS_OFFSET_OFFSET)
                        + slot * SLOT_SIZE
                        + SLOT_USED_BLOCKS_OFFSET);
    }

    private static long readLong(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    private static byte[] javaSample(Path p) throws IOException {
        try (RegistryReader r = RegistryReader.open(p)) {
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(0, s));
            assertTrue(s.checksumMatches());
            return s.sample().bytes().clone();
        }
    }

    private static Path copyOf(Path from, String name) throws IOException {
        Path p = dir.resolve("copy-" + name);
        Files.copy(from, p);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> slots(Tools.Result r) {
        assertEquals(0, r.exit(), r.stderr());
        return ((List<Object>) TestJson.parse(r.stdout()))
                .stream().map(o -> (Map<String, Object>) o).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fieldsOf(Map<String, Object> slot) {
        return (Map<String, Object>) slot.get("fields");
    }

    @SuppressWarnings("unchecked")
    private static Object element(Map<String, Object> fields, String name, int i) {
        Object v = ((List<Object>) fields.get(name)).get(i);
        return v instanceof Number n ? n.longValue() : v;
    }

    /** A broken file, what the C and Python readers say about it, and what the Java reader says. */
    record Rule(String name, Consumer<Path> breakIt, String cAndPython, String java) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> rules() throws Exception {
        long size = Files.size(valid);
        int slots = (int) readLong(valid, SLOTS_OFFSET_OFFSET);
        int lastEntry = DIR_OFFSET + (RecordFields.ALL.size() - 1) * DIR_ENTRY_SIZE;
        String last = RecordFields.ALL.get(RecordFields.ALL.size() - 1).name();
        return Stream.of(
                        new Rule(
                                "size >= 128",
                                p -> truncate(p, 100),
                                "truncated: 100 bytes, smaller than the 128-byte header",
                                "truncated: 100 bytes, smaller than the 128-byte header"),
                        new Rule(
                                "magic",
                                p -> putLong(p, MAGIC_OFFSET, 42),
                                "bad magic",
                                "bad magic"),
                        new Rule(
                                "major version",
                                p -> putShort(p, VERSION_MAJOR_OFFSET, 2),
                                "ABI major version 2."
                                        + VERSION_MINOR
                                        + " is not supported by this reader (it reads major 1)",
                                "ABI major version 2."
                                        + VERSION_MINOR
                                        + " is not supported by this reader (it reads major 1)"),
                        new Rule(
                                "ready",
                                p -> putLong(p, READY_OFFSET, 0),
                                "not ready",
                                "not ready"),
                        new Rule(
                                "header_size >= 128",
                                p -> putInt(p, HEADER_SIZE_OFFSET, 64),
                                "header_size is below 128",
                                "header_size 64 < 128"),
                        new Rule(
                                "sample_offset % 8 == 0",
                                p -> putInt(p, SAMPLE_OFFSET_OFFSET, 132),
                                "sample_offset is below 128 or not a multiple of 8",
                                "sample_offset 132 is invalid"),
                        new Rule(
                                "sample_offset >= 128",
                                p -> putInt(p, SAMPLE_OFFSET_OFFSET, 64),
                                "sample_offset is below 128 or not a multiple of 8",
                                "sample_offset 64 is invalid"),
                        new Rule(
                                "sample_size % 8 == 0",
                                p -> putInt(p, SAMPLE_SIZE_OFFSET, RecordFields.SIZE - 4),
                                "sample_size is not a positive multiple of 8",
                                "sample_size " + (RecordFields.SIZE - 4) + " is invalid"),
                        new Rule(
                                "sample fits the slot",
                                p -> putInt(p, SLOT_SIZE_OFFSET, 4096),
                                "slot_size is not a multiple of 8 or cannot hold the sample",
                                "slot_size 4096 cannot hold"),
                        new Rule(
                                "dir_entry_size >= 64",
                                p -> putInt(p, DIR_ENTRY_SIZE_OFFSET, 60),
                                "dir_entry_size is below 64",
                                "directory entries are 60 bytes, expected at least 64"),
                        new Rule(
                                "directory before the slots",
                                p -> putInt(p, DIR_COUNT_OFFSET, 100_000),
                                "the field directory does not lie between the header and the slots",
                                "field directory overlaps the slots"),
                        new Rule(
                                "slots_offset % 8 == 0",
                                p -> putLong(p, SLOTS_OFFSET_OFFSET, slots + 4),
                                "the field directory does not lie between the header and the slots",
                                "is not 8-aligned"),
                        new Rule(
                                "file holds every slot",
                                p -> truncate(p, size - 1),
                                "truncated: " + (size - 1) + " bytes, the header describes " + size,
                                "truncated: "
                                        + (size - 1)
                                        + " bytes, the header describes "
                                        + size),
                        new Rule(
                                "fields inside the sample",
                                p ->
                                        putInt(
                                                p,
                                                lastEntry + DIR_FIELD_OFFSET_OFFSET,
                                                RecordFields.SIZE),
                                "field '"
                                        + last
                                        + "' lies outside the "
                                        + RecordFields.SIZE
                                        + "-byte sample",
                                "field '" + last + "' ends at byte"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void each_reader_refuses_a_file_that_breaks_the_rule_with_a_clear_error(Rule rule)
            throws Exception {
        Path p = copy(rule.name);
        rule.breakIt.accept(p);
        RegistryFormatException e =
                assertThrows(RegistryFormatException.class, () -> RegistryReader.open(p));
        assertTrue(
                e.getMessage().contains(rule.java) && e.getMessage().contains(p.toString()),
                "Java: " + e.getMessage());
        Tools.Result c = Tools.run(List.of(cDump.toString(), p.toString()), 30);
        assertEquals(1, c.exit(), "C: " + c.stderr());
        assertTrue(
                c.stderr().startsWith("registry " + p + ": " + rule.cAndPython),
                "C: " + c.stderr());
        Tools.Result py = Tools.run(Tools.python(p.toString()), 60);
        assertEquals(1, py.exit(), "Python: " + py.stderr());
        assertTrue(
                py.stderr().startsWith("registry " + p + ": " + rule.cAndPython),
                "Python: " + py.stderr());
    }

    @Test
    void a_field_of_an_unknown_type_is_skipped_by_every_reader_and_the_rest_still_read()
            throws Exception {
        Path p = copy("unknown-type");
        int entry =
                DIR_OFFSET
                        + RecordFields.ALL.indexOf(RecordFields.MEM_TOTAL_BYTES) * DIR_ENTRY_SIZE;
        putInt(p, entry + DIR_TYPE_OFFSET, 99);
        try (RegistryReader r = RegistryReader.open(p)) {
            assertFalse(r.directory().find("mem_total_bytes").isPresent());
            assertTrue(r.directory().find("mem_free_bytes").isPresent());
        }
        for (Map<String, Object> fields : List.of(cFields(p).get(0), pythonFields(p).get(0))) {
            assertFalse(fields.containsKey("mem_total_bytes"), fields.keySet().toString());
            assertTrue(fields.containsKey("mem_free_bytes"));
        }
    }

    @Test
    void a_slot_in_an_unknown_state_is_skipped_by_every_reader_like_a_free_one() throws Exception {
        Path p = copy("unknown-state");
        putInt(p, (int) readLong(p, SLOTS_OFFSET_OFFSET) + SLOT_STATE_OFFSET, 7); // slot 0: vm-0
        List<String> java = new ArrayList<>();
        try (RegistryReader r = RegistryReader.open(p)) {
            r.forEachLive(r.newSnapshot(), s -> java.add(s.vmId()));
        }
        assertEquals(List.of("vm-1"), java);
        assertEquals(
                List.of("vm-1"),
                vmIds(Tools.run(List.of(cDump.toString(), "--json", p.toString()), 30).stdout()));
        assertEquals(
                List.of("vm-1"),
                vmIds(Tools.run(Tools.python("--json", p.toString()), 60).stdout()));
    }

    @SuppressWarnings("unchecked")
    private static List<String> vmIds(String json) {
        return ((List<Object>) TestJson.parse(json))
                .stream().map(o -> (String) ((Map<String, Object>) o).get("vm_id")).toList();
    }

    private static List<Map<String, Object>> cFields(Path p) throws Exception {
        return fields(Tools.run(List.of(cDump.toString(), "--json", p.toString()), 30));
    }

    private static List<Map<String, Object>> pythonFields(Path p) throws Exception {
        return fields(Tools.run(Tools.python("--json", p.toString()), 60));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> fields(Tools.Result r) {
        assertEquals(0, r.exit(), r.stderr());
        return ((List<Object>) TestJson.parse(r.stdout()))
                .stream()
                        .map(o -> (Map<String, Object>) ((Map<String, Object>) o).get("fields"))
                        .toList();
    }

    private static Path copy(String name) throws IOException {
        Path p = dir.resolve("broken-" + name.replaceAll("[^a-z0-9]+", "-"));
        Files.copy(valid, p);
        return p;
    }

    private static long readLong(Path p, int offset) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            return b.getLong(0);
        }
    }

    private static void write(Path p, int offset, ByteBuffer value) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(value.flip(), offset);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void putLong(Path p, int offset, long v) {
        write(p, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
    }

    private static void putInt(Path p, int offset, int v) {
        write(p, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v));
    }

    private static void putShort(Path p, int offset, int v) {
        write(p, offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v));
    }

    private static void truncate(Path p, long size) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
