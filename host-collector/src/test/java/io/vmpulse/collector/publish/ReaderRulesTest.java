package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.TestJson;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryFormatException;
import io.vmpulse.registry.read.RegistryReader;
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
                                "field 'vcpu_omitted' lies outside the "
                                        + RecordFields.SIZE
                                        + "-byte sample",
                                "field 'vcpu_omitted' ends at byte"))
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
