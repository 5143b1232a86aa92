package io.vmpulse.registry.read;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmpulse.registry.layout.RecordField;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Arbitrary bytes as a registry file: opening either refuses them with an IOException (a
 * RegistryFormatException naming the check) or gives a reader whose every read stays inside the
 * mapping. Anything else (an index out of bounds, a negative size, a hang) is a finding. `mvn
 * verify` replays the corpus in src/test/resources; docs/fuzzing.md says how to fuzz.
 */
class RegistryReaderFuzzTest {

    /**
     * Slots read per input: enough to reach past the first, bounded so an odd seqlock costs little.
     */
    private static final int MAX_SLOTS_READ = 4;

    private static final Path FILE = tempFile();

    private static Path tempFile() {
        try {
            Path f = Files.createTempFile("vmpulse-registry-fuzz", ".bin");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every field the file's own directory declares, at every index: offsets come from the file
     * too.
     */
    private static void readEveryField(RegistryReader reader, SlotSnapshot snap) {
        for (RecordField f : reader.directory().fields()) {
            for (int i = 0; i < Math.min(f.count(), 64); i++) {
                try {
                    snap.sample().getLong(f, i);
                } catch (IllegalArgumentException e) {
                    // a field that is not an integer: the documented answer to getLong
                }
            }
        }
    }

    @FuzzTest(maxDuration = "3h")
    void arbitrary_bytes_as_a_registry_file_are_refused_or_read_within_bounds(byte[] data)
            throws IOException {
        Files.write(FILE, data);
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
