package io.vmpulse.collector.publish;

import io.vmpulse.registry.layout.RegistryLayout;
import java.nio.file.Path;

/**
 * Where and how big the registry is.
 *
 * @param path the registry file; {@link #DEFAULT_PATH} by default
 * @param slotCount how many VMs it can hold (1..{@value RegistryLayout#MAX_SLOT_COUNT})
 * @param group group owning the file (readers in it may read), or null for the writer's group; the
 *     file mode is always 0640
 * @param directoryMode permission bits the registry's directory is created with when it is missing
 *     ({@link #DEFAULT_DIRECTORY_MODE}: the owner writes, the group may pass); an existing
 *     directory is checked, never changed
 */
public record RegistryOptions(Path path, int slotCount, String group, int directoryMode) {

    public static final Path DEFAULT_PATH = Path.of(RegistryLayout.DEFAULT_PATH);
    public static final int DEFAULT_DIRECTORY_MODE = 0750;

    public RegistryOptions {
        if (path == null) {
            throw new IllegalArgumentException("registry path is required");
        }
        if (slotCount < 1 || slotCount > RegistryLayout.MAX_SLOT_COUNT) {
            throw new IllegalArgumentException(
                    "slot count " + slotCount + " is not in 1.." + RegistryLayout.MAX_SLOT_COUNT);
        }
        if ((directoryMode & ~0755) != 0 || (directoryMode & 0700) != 0700) {
            throw new IllegalArgumentException(
                    "registry directory mode "
                            + String.format("%04o", directoryMode)
                            + " must give its owner rwx and nobody else write (at most 0755)");
        }
    }

    public RegistryOptions(Path path, int slotCount, String group) {
        this(path, slotCount, group, DEFAULT_DIRECTORY_MODE);
    }
}
