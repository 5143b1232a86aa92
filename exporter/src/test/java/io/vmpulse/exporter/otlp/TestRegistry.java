package io.vmpulse.exporter.otlp;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A real registry in /dev/shm, written with the collector's own writer, under a name of its own.
 */
final class TestRegistry implements AutoCloseable {

    final Path path =
            Path.of(
                    "/dev/shm/vmpulse-otlp-test-"
                            + ProcessHandle.current().pid()
                            + "-"
                            + UUID.randomUUID());
    final RegistryWriter writer;

    TestRegistry(int slots) throws IOException {
        writer = RegistryWriter.create(new RegistryOptions(path, slots, null));
    }

    /** Claims a slot for {@code vmId} and publishes {@code r} into it; returns the slot. */
    int publish(String vmId, VmRecord r) {
        int slot = writer.claim(vmId);
        writer.publish(slot, r);
        return slot;
    }

    @Override
    public void close() throws IOException {
        writer.close();
        Files.deleteIfExists(path);
    }
}
