package io.vmpulse.bench.shm;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A registry in /dev/shm (where the collector puts it) with every field of every sample filled. */
final class RegistryFixture {

    final Path path = Path.of("/dev/shm/vmpulse-bench-" + ProcessHandle.current().pid());
    final RegistryWriter writer;
    final VmRecord sample = new VmRecord();

    RegistryFixture(int slots, int claimed) throws IOException {
        writer = RegistryWriter.create(new RegistryOptions(path, slots, null));
        for (int i = 0; i < claimed; i++) {
            writer.claim("bench-vm-" + i);
        }
        int k = 0;
        for (RecordField f : RecordFields.ALL) {
            for (int i = 0; i < f.count(); i++, k++) {
                switch (f.type()) {
                    case U64, I64 -> sample.putLong(f, i, 1_000_000L * k);
                    case U32 -> sample.putInt(f, i, k);
                    case F64 -> sample.putDouble(f, i, k / 3.0);
                    case UTF8 -> sample.putString(f, i, "/mnt/data-" + k);
                }
            }
        }
        for (int i = 0; i < claimed; i++) {
            writer.publish(i, sample);
        }
    }

    void close() throws IOException {
        writer.close();
        Files.deleteIfExists(path);
    }
}
