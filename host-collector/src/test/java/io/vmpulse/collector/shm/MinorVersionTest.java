package io.vmpulse.collector.shm;

import static io.vmpulse.collector.shm.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.sample.FieldType;
import io.vmpulse.collector.sample.SampleChecksum;
import io.vmpulse.collector.sample.SampleField;
import io.vmpulse.collector.sample.SampleFields;
import io.vmpulse.collector.sample.UnifiedSample;
import io.vmpulse.collector.testing.Tools;
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
 * A file written by a newer minor version (one field appended to the sample and the directory)
 * is read by today's Java, C and Python readers: known fields as before, the new field by name.
 */
@Timeout(120)
class MinorVersionTest {

    private static final long FUTURE_VALUE = 0x0123_4567_89AB_CDEFL;

    @TempDir
    Path dir;

    @Test
    void readers_read_a_newer_minor_version_and_find_its_new_field_by_name() throws Exception {
        Path path = dir.resolve("registry");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(path, 2, null))) {
            UnifiedSample s = new UnifiedSample();
            s.putLong(SampleFields.MEM_TOTAL_BYTES, 4096L << 20);
            w.publish(w.claim("vm-future"), s);
        }
        appendFieldAsNextMinorVersion(path);

        try (RegistryReader r = RegistryReader.open(path)) {
            assertEquals(VERSION_MINOR + 1, r.versionMinor());
            assertEquals(SampleFields.SIZE + 8, r.sampleSize());
            SlotSnapshot snap = r.newSnapshot();
            assertTrue(r.read(0, snap));
            assertTrue(snap.checksumMatches(), "the checksum covers the longer sample");
            assertEquals(4096L << 20, snap.sample().getLong(SampleFields.MEM_TOTAL_BYTES));
            SampleField future = r.directory().find("future_field").orElseThrow();
            assertEquals(FUTURE_VALUE, snap.sample().getLong(future));
        }

        Tools.Result c = Tools.run(List.of(Tools.cDump(dir).toString(), "--json", path.toString()), 30);
        assertEquals(0, c.exit(), c.stderr());
        assertTrue(c.stdout().contains("\"future_field\": " + Long.toUnsignedString(FUTURE_VALUE)), c.stdout());
        assertTrue(c.stdout().contains("\"checksum_ok\": true"), c.stdout());
        Tools.Result py = Tools.run(Tools.python("--json", path.toString()), 60);
        assertEquals(0, py.exit(), py.stderr());
        assertTrue(py.stdout().contains("\"future_field\": " + Long.toUnsignedString(FUTURE_VALUE)), py.stdout());
    }

    /** What the next minor version's writer would have written: one u64 appended to the sample and the directory. */
    private static void appendFieldAsNextMinorVersion(Path path) throws Exception {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
            b.order(ByteOrder.LITTLE_ENDIAN);
            int dirCount = b.getInt(DIR_COUNT_OFFSET);
            int entry = DIR_OFFSET + dirCount * DIR_ENTRY_SIZE;
            assertTrue(entry + DIR_ENTRY_SIZE <= b.getLong(SLOTS_OFFSET_OFFSET), "room for one more entry");
            b.put(entry, "future_field".getBytes(StandardCharsets.US_ASCII));
            b.put(entry + DIR_UNIT_OFFSET, "count".getBytes(StandardCharsets.US_ASCII));
            b.putInt(entry + DIR_TYPE_OFFSET, FieldType.U64.code());
            b.putInt(entry + DIR_SIZE_OFFSET, 8);
            b.putInt(entry + DIR_FIELD_OFFSET_OFFSET, SampleFields.SIZE);
            b.putInt(entry + DIR_COUNT_FIELD_OFFSET, 1);
            b.putInt(entry + DIR_STRIDE_OFFSET, 8);
            b.putInt(DIR_COUNT_OFFSET, dirCount + 1);
            b.putShort(VERSION_MINOR_OFFSET, (short) (VERSION_MINOR + 1));
            int newSize = SampleFields.SIZE + 8;
            b.putInt(SAMPLE_SIZE_OFFSET, newSize);

            int sample = (int) b.getLong(SLOTS_OFFSET_OFFSET) + SAMPLE_OFFSET;
            b.putLong(sample + SampleFields.SIZE, FUTURE_VALUE);
            byte[] bytes = new byte[newSize];
            b.get(sample, bytes, 0, newSize);
            b.putLong(sample, SampleChecksum.of(bytes, newSize));
            b.force();
        }
    }
}
