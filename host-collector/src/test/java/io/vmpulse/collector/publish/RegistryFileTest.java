package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.read.RegistryFormatException;
import io.vmpulse.registry.read.RegistryReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The registry as a file: permissions, ownership, and what readers say about bad files. */
@Timeout(60)
class RegistryFileTest {

    @TempDir Path dir;

    @Test
    void registry_file_is_mode_0640_and_owned_by_the_configured_group() throws Exception {
        // "daemon" exists on every Debian system; the test runs as root, which may chown to it.
        String group = "daemon";
        try (RegistryWriter w =
                RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), 2, group))) {
            PosixFileAttributes a = Files.readAttributes(w.path(), PosixFileAttributes.class);
            assertEquals("rw-r-----", PosixFilePermissions.toString(a.permissions()));
            GroupPrincipal expected =
                    w.path()
                            .getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName(group);
            assertEquals(expected, a.group());
            assertEquals(
                    List.of(".registry.lock", "registry"),
                    listNames(),
                    "no temporary file is left next to the registry");
        }
    }

    @Test
    void temporary_file_left_by_a_collector_that_died_while_starting_is_removed() throws Exception {
        Path leftover = dir.resolve(".registry.init-999999");
        Files.write(leftover, new byte[4096]);
        try (RegistryWriter w =
                RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), 2, null))) {
            assertEquals(List.of(".registry.lock", "registry"), listNames());
        }
    }

    @Test
    void unknown_group_is_a_clear_error_and_leaves_no_file() throws Exception {
        IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                RegistryWriter.create(
                                        new RegistryOptions(
                                                dir.resolve("registry"),
                                                2,
                                                "no-such-group-vmpulse")));
        assertTrue(
                e.getMessage().contains("group 'no-such-group-vmpulse' does not exist"),
                e.getMessage());
        assertTrue(
                listNames().stream().noneMatch(n -> n.contains(".init-")),
                "temporary file removed: " + listNames());
        assertTrue(
                Files.notExists(dir.resolve("registry")),
                "readers never see a file at the path that is not complete");
    }

    @Test
    void registry_path_only_ever_names_a_complete_file_while_a_collector_starts() throws Exception {
        Path p = dir.resolve("registry");
        Thread starter =
                new Thread(
                        () -> {
                            for (int i = 0; i < 200; i++) {
                                try (RegistryWriter w =
                                        RegistryWriter.create(new RegistryOptions(p, 2, null))) {
                                    // started: a complete file replaced the last one
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        });
        starter.start();
        int opened = 0;
        while (starter.isAlive()) {
            try (RegistryReader r = RegistryReader.open(p)) {
                opened++; // validated in full: size, magic, ready, directory
            } catch (NoSuchFileException e) {
                // before the first rename
            }
        }
        starter.join();
        assertTrue(opened > 0, "the reader saw registries while they were being replaced");
    }

    @Test
    void registry_whose_directory_has_no_parent_is_a_clear_error() {
        Path p = dir.resolve("no-such-dir/sub/registry");
        IOException e =
                assertThrows(
                        IOException.class,
                        () -> RegistryWriter.create(new RegistryOptions(p, 2, null)));
        assertEquals(
                "registry directory "
                        + p.getParent()
                        + " cannot be created: "
                        + dir.resolve("no-such-dir")
                        + " does not exist",
                e.getMessage());
    }

    @Test
    void missing_file_is_reported_as_missing() {
        assertThrows(NoSuchFileException.class, () -> RegistryReader.open(dir.resolve("nothing")));
    }

    @Test
    void wrong_magic_is_reported_as_not_a_registry() throws Exception {
        Path p = validRegistry();
        patchLong(p, MAGIC_OFFSET, 0x1122334455667788L);
        assertReaderError(p, "bad magic");
    }

    @Test
    void newer_major_version_is_refused_naming_both_versions() throws Exception {
        Path p = validRegistry();
        patchShort(p, VERSION_MAJOR_OFFSET, (short) (VERSION_MAJOR + 1));
        assertReaderError(
                p,
                "ABI major version "
                        + (VERSION_MAJOR + 1)
                        + "."
                        + VERSION_MINOR
                        + " is not supported by this reader (it reads major "
                        + VERSION_MAJOR
                        + ")");
    }

    @Test
    void truncated_file_is_reported_with_its_size() throws Exception {
        Path p = validRegistry();
        long full = Files.size(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(full - SLOT_SIZE);
        }
        assertReaderError(
                p, "truncated: " + (full - SLOT_SIZE) + " bytes, the header describes " + full);

        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[10]);
        assertReaderError(tiny, "truncated: 10 bytes");
    }

    @Test
    void file_not_marked_ready_is_refused() throws Exception {
        Path p = validRegistry();
        patchLong(p, READY_OFFSET, 0);
        assertReaderError(p, "not ready");
    }

    @Test
    void field_moved_within_the_same_major_version_is_refused() throws Exception {
        Path p = validRegistry();
        // The first directory entry is "checksum" at sample offset 0; claim it is at 8.
        patchInt(p, DIR_OFFSET + DIR_FIELD_OFFSET_OFFSET, 8);
        assertReaderError(p, "field 'checksum'");
    }

    @Test
    void c_and_python_readers_report_the_same_bad_files_clearly() throws Exception {
        Path bin = Tools.cDump(dir);
        Path magic = validRegistry();
        patchLong(magic, MAGIC_OFFSET, 42);
        Path major = dir.resolve("major");
        Files.copy(validRegistry(), major);
        patchShort(major, VERSION_MAJOR_OFFSET, (short) 9);
        for (Path p : List.of(magic, major)) {
            String expect =
                    p == magic
                            ? "bad magic"
                            : "ABI major version 9." + VERSION_MINOR + " is not supported";
            Tools.Result c = Tools.run(List.of(bin.toString(), p.toString()), 30);
            assertEquals(1, c.exit());
            assertTrue(c.stderr().contains(expect), c.stderr());
            Tools.Result py = Tools.run(Tools.python(p.toString()), 60);
            assertEquals(1, py.exit());
            assertTrue(py.stderr().contains(expect), py.stderr());
        }
    }

    private Path validRegistry() throws Exception {
        Path p = dir.resolve("registry");
        Files.deleteIfExists(p);
        RegistryWriter.create(new RegistryOptions(p, 2, null)).close();
        Path copy = Files.createTempFile(dir, "copy", "");
        Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private void assertReaderError(Path p, String expected) {
        RegistryFormatException e =
                assertThrows(RegistryFormatException.class, () -> RegistryReader.open(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(
                e.getMessage().contains(p.toString()),
                "the message names the file: " + e.getMessage());
    }

    private List<String> listNames() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }

    private static void patch(Path p, int offset, ByteBuffer value) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(value.flip(), offset);
        }
    }

    private static void patchLong(Path p, int offset, long v) throws IOException {
        patch(p, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
    }

    private static void patchInt(Path p, int offset, int v) throws IOException {
        patch(p, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v));
    }

    private static void patchShort(Path p, int offset, short v) throws IOException {
        patch(p, offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(v));
    }
}
