package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordChecksum;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written by a newer minor version (one field appended to the sample and the directory) is
 * read by today's Java, C and Python readers: known fields as before, the new field by name.
 */
@Timeout(120)
class MinorVersionTest {

    private static final long FUTURE_VALUE = 0x0123_4567_89AB_CDEFL;

    @TempDir Path dir;

    @Test
    void readers_read_a_newer_minor_version_and_find_its_new_field_by_name() throws Exception {
        Path path = dir.resolve("registry");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(path, 2, null))) {
            VmRecord s = new VmRecord();
            s.putLong(RecordFields.MEM_TOTAL_BYTES, 4096L << 20);
            w.publish(w.claim("vm-future"), s);
        }
        appendFieldAsNextMinorVersion(path);

        try (RegistryReader r = RegistryReader.open(path)) {
            assertEquals(VERSION_MINOR + 1, r.versionMinor());
            assertEquals(RecordFields.SIZE + 8, r.sampleSize());
            SlotSnapshot snap = r.newSnapshot();
            assertTrue(r.read(0, snap));
            assertTrue(snap.checksumMatches(), "the checksum covers the longer sample");
            assertEquals(4096L << 20, snap.sample().getLong(RecordFields.MEM_TOTAL_BYTES));
            RecordField future = r.directory().find("future_field").orElseThrow();
            assertEquals(FUTURE_VALUE, snap.sample().getLong(future));
        }

        Tools.Result c =
                Tools.run(List.of(Tools.cDump(dir).toString(), "--json", path.toString()), 30);
        assertEquals(0, c.exit(), c.stderr());
        assertTrue(
                c.stdout().contains("\"future_field\": " + Long.toUnsignedString(FUTURE_VALUE)),
                c.stdout());
        assertTrue(c.stdout().contains("\"checksum_ok\": true"), c.stdout());
        Tools.Result py = Tools.run(Tools.python("--json", path.toString()), 60);
        assertEquals(0, py.exit(), py.stderr());
        assertTrue(
                py.stdout().contains("\"future_field\": " + Long.toUnsignedString(FUTURE_VALUE)),
                py.stdout());
    }

    /**
     * What the next minor version's writer would have written: one u64 appended to the sample and
     * the directory.
     */
    private static void appendFieldAsNextMinorVersion(Path path) throws Exception {
        try (FileChannel ch =
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
            b.order(ByteOrder.LITTLE_ENDIAN);
            int dirCount = b.getInt(DIR_COUNT_OFFSET);
            int entry = DIR_OFFSET + dirCount * DIR_ENTRY_SIZE;
            assertTrue(
                    entry + DIR_ENTRY_SIZE <= b.getLong(SLOTS_OFFSET_OFFSET),
                    "room for one more entry");
            b.put(entry, "future_field".getBytes(StandardCharsets.US_ASCII));
            b.put(entry + DIR_UNIT_OFFSET, "count".getBytes(StandardCharsets.US_ASCII));
            b.putInt(entry + DIR_TYPE_OFFSET, FieldType.U64.code());
            b.putInt(entry + DIR_SIZE_OFFSET, 8);
            b.putInt(entry + DIR_FIELD_OFFSET_OFFSET, RecordFields.SIZE);
            b.putInt(entry + DIR_COUNT_FIELD_OFFSET, 1);
            b.putInt(entry + DIR_STRIDE_OFFSET, 8);
            b.putInt(DIR_COUNT_OFFSET, dirCount + 1);
            b.putShort(VERSION_MINOR_OFFSET, (short) (VERSION_MINOR + 1));
            int newSize = RecordFields.SIZE + 8;
            b.putInt(SAMPLE_SIZE_OFFSET, newSize);

            int sample = (int) b.getLong(SLOTS_OFFSET_OFFSET) + SAMPLE_OFFSET;
            b.putLong(sample + RecordFields.SIZE, FUTURE_VALUE);
            byte[] bytes = new byte[newSize];
            b.get(sample, bytes, 0, newSize);
            b.putLong(sample, RecordChecksum.of(bytes, newSize));
            b.force();
        }
    }
}
