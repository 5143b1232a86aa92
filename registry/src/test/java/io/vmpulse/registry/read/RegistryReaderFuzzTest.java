package io.vmpulse.registry.read;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Arbitrary bytes as a registry file: opening either refuses them with an IOException (a
 * RegistryFormatException naming the check) or gives a reader whose every read stays inside the
 * mapping, and every field its directory declares reads as its own type. Anything else (an index
 * out of bounds, a negative size, a hang) is a finding. `mvn verify` replays the corpus in
 * src/test/resources; docs/fuzzing.md says how to fuzz.
 *
 * <p>The bytes go through a real file and {@link RegistryReader#open}, as a reader of a damaged
 * registry would meet them. Cheaply, because that is what decides how many inputs an hour of
 * fuzzing tries: a file on tmpfs (where registries live) replaced by rename for each input, and a
 * one-slot seed registry rather than a large one.
 */
class RegistryReaderFuzzTest {

    /**
     * Slots read per input: enough to reach past the first, bounded so an odd seqlock costs little.
     */
    private static final int MAX_SLOTS_READ = 4;

    private static final Path FILE = tempFile();
    private static final Path NEXT = FILE.resolveSibling(FILE.getFileName() + ".next");

    private static Path tempFile() {
        try {
            Path shm = Path.of("/dev/shm");
            Path f =
                    Files.isDirectory(shm) && Files.isWritable(shm)
                            ? Files.createTempFile(shm, "vmpulse-registry-fuzz", ".bin")
                            : Files.createTempFile("vmpulse-registry-fuzz", ".bin");
            f.toFile().deleteOnExit();
            f.resolveSibling(f.getFileName() + ".next").toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes the file hold exactly {@code data}: written beside it and renamed over it, as the
     * collector replaces a registry. Not rewritten in place: cutting the file to a shorter length
     * makes the kernel unmap its tail from every earlier input's mapping, and those stay until the
     * garbage collector unmaps them, thousands of them; that was most of the time per input.
     */
    private static void replace(byte[] data) throws IOException {
        try (FileChannel ch =
                FileChannel.open(
                        NEXT,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        Files.move(NEXT, FILE, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Every field the file's own directory declares, at every index (offsets come from the file
     * too), read as its own type, as the CLI and exporter read them: none may throw.
     */
    private static void readEveryField(RegistryReader reader, SlotSnapshot snap) {
        VmRecord sample = snap.sample();
        for (RecordField f : reader.directory().fields()) {
            for (int i = 0; i < Math.min(f.count(), 64); i++) {
                switch (f.type()) {
                    case U64, I64 -> sample.getLong(f, i);
                    case U32 -> sample.getUnsignedInt(f, i);
                    case F64 -> sample.getDouble(f, i);
                    case UTF8 -> sample.getString(f, i);
                }
            }
        }
    }

    @FuzzTest(maxDuration = "3h")
    void arbitrary_bytes_as_a_registry_file_are_refused_or_read_within_bounds(byte[] data)
            throws IOException {
        replace(data);
        RegistryReader reader;
        try {
            reader = RegistryReader.open(FILE);
        } catch (IOException e) {
            return;
        }
        try (reader) {
            reader.directory().fields().forEach(f -> reader.directory().find(f.name()));
            SlotSnapshot snap = reader.newSnapshot();
            for (int slot = 0; slot < Math.min(MAX_SLOTS_READ, reader.slotCount()); slot++) {
                reader.stateOf(slot);
                if (reader.read(slot, snap)) {
                    snap.vmId();
                    snap.checksumMatches();
                    readEveryField(reader, snap);
                }
            }
            reader.heartbeatCount();
            reader.isStale();
        }
    }
}
