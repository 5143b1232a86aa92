package io.vmpulse.exporter.testing;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** A real registry file, written through the collector's own writer. */
public final class TestRegistry implements AutoCloseable {

    private final RegistryWriter writer;
    private final Map<String, Integer> slots = new HashMap<>();

    public TestRegistry(Path file, int slotCount) throws IOException {
        writer = RegistryWriter.create(new RegistryOptions(file, slotCount, null));
        writer.heartbeat();
    }

    public Path path() {
        return writer.path();
    }

    public RegistryWriter writer() {
        return writer;
    }

    /** Claims a slot for {@code vmId} (once) and publishes the record {@code fill} makes. */
    public void publish(String vmId, Consumer<VmRecord> fill) {
        int slot = slots.computeIfAbsent(vmId, writer::claim);
        VmRecord r = new VmRecord();
        fill.accept(r);
        writer.publish(slot, r);
    }

    public void markFinal(String vmId, Consumer<VmRecord> fill) {
        VmRecord r = new VmRecord();
        fill.accept(r);
        writer.markFinal(slots.get(vmId), r);
    }

    public void release(String vmId) {
        writer.release(slots.remove(vmId));
    }

    public void heartbeat() {
        writer.heartbeat();
    }

    @Override
    public void close() {
        writer.close();
    }
}
