package io.vmpulse.collector.publish;

import io.vmpulse.registry.layout.RegistryLayout;

import java.nio.file.Path;

/**
 * Where and how big the registry is.
 *
 * @param path      the registry file; {@link #DEFAULT_PATH} by default, the systemd unit uses
 *                  {@code /run/vmpulse/registry}
 * @param slotCount how many VMs it can hold (1..{@value RegistryLayout#MAX_SLOT_COUNT})
 * @param group     group owning the file (readers in it may read), or null for the writer's group;
 *                  the file mode is always 0640
 */
public record RegistryOptions(Path path, int slotCount, String group) {

    public static final Path DEFAULT_PATH = Path.of("/dev/shm/vmpulse");
    public static final int DEFAULT_SLOT_COUNT = 1024;

    public RegistryOptions {
        if (path == null) {
            throw new IllegalArgumentException("registry path is required");
        }
        if (slotCount < 1 || slotCount > RegistryLayout.MAX_SLOT_COUNT) {
            throw new IllegalArgumentException("slot count " + slotCount + " is not in 1.." + RegistryLayout.MAX_SLOT_COUNT);
        }
    }

    public static RegistryOptions defaults() {
        return new RegistryOptions(DEFAULT_PATH, DEFAULT_SLOT_COUNT, null);
    }

    public RegistryOptions withPath(Path p) {
        return new RegistryOptions(p, slotCount, group);
    }

    public RegistryOptions withSlotCount(int n) {
        return new RegistryOptions(path, n, group);
    }

    public RegistryOptions withGroup(String g) {
        return new RegistryOptions(path, slotCount, g);
    }
}
