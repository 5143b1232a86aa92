package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.read.RegistryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the registry is created, attacked the way another local user would: files, directories and
 * symbolic links planted before the collector starts. The tests run as root, and use the real user
 * {@code nobody} as the other user.
 */
@Timeout(60)
class SafeCreationTest {

    @TempDir Path dir;

    private static void chownNobody(Path p) throws IOException {
        UserPrincipal nobody =
                p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.getFileAttributeView(
                        p,
                        java.nio.file.attribute.PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS)
                .setOwner(nobody);
    }

    private static RegistryWriter create(Path registry) throws IOException {
        return RegistryWriter.create(new RegistryOptions(registry, 2, null));
    }

    @Test
    void missing_registry_directory_is_created_0750_in_the_registry_group() throws Exception {
        Path registry = dir.resolve("vmpulse/registry");
        try (RegistryWriter w = RegistryWriter.create(new RegistryOptions(registry, 2, "daemon"))) {
            PosixFileAttributes a =
                    Files.readAttributes(registry.getParent(), PosixFileAttributes.class);
            assertEquals("rwxr-x---", PosixFilePermissions.toString(a.permissions()));
            GroupPrincipal daemon =
                    dir.getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName("daemon");
            assertEquals(daemon, a.group(), "readers in the registry group may pass through it");
            assertEquals(ProcessHandle.current().pid(), RegistryReader.open(registry).writerPid());
        }
    }

    @Test
    void directory_mode_is_configurable() throws Exception {
        Path registry = dir.resolve("open/registry");
        try (RegistryWriter w =
                RegistryWriter.create(new RegistryOptions(registry, 2, null, 0755))) {
            assertEquals(
                    "rwxr-xr-x",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(registry.getParent())));
        }
        assertThrows(
                IllegalArgumentException.class, () -> new RegistryOptions(registry, 2, null, 0777));
    }

    @Test
    void symbolic_link_at_the_registry_path_is_refused_and_its_target_left_alone()
            throws Exception {
        Path target = Files.writeString(dir.resolve("victim"), "precious");
        Path registry = Files.createSymbolicLink(dir.resolve("registry"), target);
        IOException e = assertThrows(IOException.class, () -> create(registry));
        assertEquals(
                "registry "
                        + registry
                        + " is a symbolic link (to "
                        + target
                        + "); refusing to follow or replace it: remove it if it is not yours",
                e.getMessage());
        assertEquals("precious", Files.readString(target));
        assertTrue(Files.isSymbolicLink(registry), "the link itself is not replaced either");
    }

    @Test
    void registry_file_owned_by_another_user_is_refused_naming_the_owner() throws Exception {
        Path registry = Files.writeString(dir.resolve("registry"), "planted");
        chownNobody(registry);
        IOException e = assertThrows(IOException.class, () -> create(registry));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "registry "
                                        + registry
                                        + " already exists and is owned by nobody (uid 65534), "
                                        + "not by this collector's user root (uid 0); refusing it"),
                e.getMessage());
        assertEquals("planted", Files.readString(registry));
    }

    @Test
    void directory_at_the_registry_path_is_refused() throws Exception {
        Path registry = Files.createDirectory(dir.resolve("registry"));
        IOException e = assertThrows(IOException.class, () -> create(registry));
        assertEquals(
                "registry "
                        + registry
                        + " exists and is not a regular file but a directory; refusing to replace it",
                e.getMessage());
    }

    @Test
    void registry_directory_owned_by_another_user_is_refused() throws Exception {
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        chownNobody(theirs);
        Path registry = theirs.resolve("registry");
        IOException e = assertThrows(IOException.class, () -> create(registry));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "registry directory "
                                        + theirs
                                        + " is owned by nobody (uid 65534), not by "
                                        + "this collector's user root (uid 0); refusing it"),
                e.getMessage());
        assertFalse(Files.exists(registry));
    }

    @Test
    void symbolic_link_as_the_registry_directory_is_refused() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        IOException e = assertThrows(IOException.class, () -> create(link.resolve("registry")));
        assertTrue(
                e.getMessage().startsWith("registry directory " + link + " is a symbolic link"),
                e.getMessage());
        assertFalse(Files.exists(real.resolve("registry")));
    }

    @Test
    void world_writable_directory_is_refused_unless_sticky() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setAttribute(open, "unix:mode", 0777);
        IOException e = assertThrows(IOException.class, () -> create(open.resolve("registry")));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "registry directory "
                                        + open
                                        + " is writable by other users (mode 0777) and not sticky"),
                e.getMessage());
        // Sticky like /dev/shm: others may create names but not replace ours; a name they planted
        // is refused.
        Files.setAttribute(open, "unix:mode", 01777);
        try (RegistryWriter w = create(open.resolve("registry"))) {
            assertTrue(Files.isRegularFile(w.path()));
        }
    }

    @Test
    void symbolic_link_planted_as_the_lock_file_is_refused() throws Exception {
        Path target = Files.writeString(dir.resolve("victim"), "precious");
        Path registry = dir.resolve("registry");
        Files.createSymbolicLink(RegistryWriter.lockFileOf(registry), target);
        IOException e = assertThrows(IOException.class, () -> create(registry));
        assertEquals(
                "cannot open registry lock file "
                        + RegistryWriter.lockFileOf(registry)
                        + ": it is a symbolic link, which the collector never follows",
                e.getMessage());
        assertEquals("precious", Files.readString(target));
    }

    @Test
    void lock_file_is_mode_0600_so_readers_cannot_open_it() throws Exception {
        try (RegistryWriter w = create(dir.resolve("registry"))) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(RegistryWriter.lockFileOf(w.path()))));
        }
    }
}
