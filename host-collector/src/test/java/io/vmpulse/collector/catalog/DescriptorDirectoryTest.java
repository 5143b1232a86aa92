package io.vmpulse.collector.catalog;

import static io.vmpulse.collector.catalog.Fixtures.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real directory, real files and the real inotify-backed WatchService. */
@Timeout(60)
class DescriptorDirectoryTest {
    /** Long enough that every change in these tests must have come through a watch event. */
    private static final Duration NO_RESCAN = Duration.ofHours(1);

    @TempDir Path dir;

    private final List<DescriptorDirectory> opened = new ArrayList<>();
    private final VmCatalog registry = new VmCatalog();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    private DescriptorDirectory start(final VmCatalog target) throws IOException {
        final DescriptorDirectory d = new DescriptorDirectory(dir, target, NO_RESCAN);
        opened.add(d);
        d.start();
        return d;
    }

    @AfterEach
    void close() {
        for (DescriptorDirectory d : opened) {
            d.close();
        }
    }

    private void record() {
        registry.addListener(
                new VmCatalog.Listener() {
                    @Override
                    public void vmAdded(final Vm vm) {
                        events.add("added " + vm.id());
                    }

                    @Override
                    public void vmUpdated(final Vm before, final Vm after) {
                        events.add("updated " + after.id());
                    }

                    @Override
                    public void vmRemoved(final Vm vm) {
                        events.add("removed " + vm.id());
                    }
                });
    }

    private Optional<Vm> vm(final String id) {
        return registry.get(id).map(VmCatalog.Entry::vm);
    }

    private static String replace(final String fixture, final String from, final String to) {
        final String text = Fixtures.text(fixture);
        assertTrue(text.contains(from), fixture + " lacks " + from);
        return text.replace(from, to);
    }

    @Test
    void start_registers_every_descriptor_already_there_with_its_file_as_source() throws Exception {
        for (String name : Fixtures.GOOD) {
            Fixtures.install(name, dir, Path.of(name).getFileName().toString());
        }
        start(registry);
        assertEquals(
                List.of("ch-1", "fc-1", "krun-1", "qemu-1", "test-1"),
                registry.list().stream().map(e -> e.vm().id()).toList());
        assertEquals(
                new VmSource.DescriptorFile(dir.resolve("qemu-1.json")),
                registry.get("qemu-1").orElseThrow().source());
        assertEquals(Fixtures.vm("good/qemu-1.json"), vm("qemu-1").orElseThrow());
    }

    @Test
    void a_restarted_collector_registers_the_same_vms_from_the_same_directory() throws Exception {
        for (String name : Fixtures.GOOD) {
            Fixtures.install(name, dir, Path.of(name).getFileName().toString());
        }
        start(registry).close();
        final VmCatalog afterRestart = new VmCatalog();
        start(afterRestart);
        assertEquals(registry.list(), afterRestart.list());
        assertEquals(5, afterRestart.list().size());
    }

    @Test
    void creating_modifying_and_deleting_a_file_registers_updates_and_unregisters()
            throws Exception {
        record();
        start(registry);
        final Path file =
                Files.writeString(dir.resolve("test-1.json"), Fixtures.text("good/test-1.json"));
        eventually("test-1 registered", () -> vm("test-1").isPresent());

        Files.writeString(file, replace("good/test-1.json", "7070", "7171"));
        eventually(
                "test-1 moved to port 7171",
                () -> vm("test-1").map(v -> v.guest().claim().endsWith(":7171")).orElse(false));

        Files.delete(file);
        eventually("test-1 unregistered", () -> vm("test-1").isEmpty());
        assertEquals(List.of("added test-1", "updated test-1", "removed test-1"), events);
    }

    @Test
    void an_atomic_rename_over_a_file_is_one_update() throws Exception {
        record();
        Fixtures.install("good/fc-1.json", dir, "fc-1.json");
        start(registry);
        final Path tmp =
                Files.writeString(
                        dir.resolve(".fc-1.json.tmp"), replace("good/fc-1.json", "4242", "4243"));
        Files.move(
                tmp,
                dir.resolve("fc-1.json"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        eventually(
                "fc-1 pid 4243",
                () -> vm("fc-1").map(v -> v.vmmPid().getAsInt() == 4243).orElse(false));
        assertEquals(List.of("added fc-1", "updated fc-1"), events);
    }

    @Test
    void hidden_temporary_and_non_json_files_are_ignored() throws Exception {
        start(registry);
        Files.writeString(dir.resolve(".krun-1.json.tmp"), Fixtures.text("good/krun-1.json"));
        Files.writeString(dir.resolve(".krun-1.json"), Fixtures.text("good/krun-1.json"));
        Files.writeString(dir.resolve("krun-1.json.bak"), Fixtures.text("good/krun-1.json"));
        // Events are handled in order, so once this one is in, the ones above have been seen.
        Fixtures.install("good/test-1.json", dir, "test-1.json");
        eventually("test-1 registered", () -> vm("test-1").isPresent());
        assertTrue(vm("krun-1").isEmpty());
        assertEquals(1, registry.list().size());
        assertTrue(opened.get(0).rejected().isEmpty());
    }

    @Test
    void each_bad_descriptor_is_rejected_naming_file_and_field_and_the_good_ones_load()
            throws Exception {
        final Map<String, String> expected =
                Map.of(
                        "malformed.json", "malformed JSON: syntax error at line 3",
                        "unknown-field.json", "field guest.tcp.prot: unknown field",
                        "missing-id.json", "field id: missing",
                        "bad-kind.json", "field hypervisor: \"xen\" is not one of",
                        "two-endpoints.json", "field guest: sets both vsock_cid and tcp",
                        "cid-2.json",
                                "field guest.vsock_cid: 2 is the host's CID; guest CIDs start at 3",
                        "port-range.json",
                                "field guest.tcp.port: 70000 is out of range (1 to 65535)");
        for (String name : expected.keySet()) {
            Fixtures.install("bad/" + name, dir, name);
        }
        Fixtures.install("good/ch-1.json", dir, "ch-1.json");
        final DescriptorDirectory directory = start(registry);
        Fixtures.install("good/qemu-1.json", dir, "qemu-1.json");
        eventually("qemu-1 registered", () -> vm("qemu-1").isPresent());

        assertEquals(
                List.of("ch-1", "qemu-1"), registry.list().stream().map(e -> e.vm().id()).toList());
        final Map<Path, String> rejected = directory.rejected();
        assertEquals(expected.size(), rejected.size(), rejected.toString());
        expected.forEach(
                (name, error) -> {
                    final String actual = rejected.get(dir.resolve(name));
                    assertTrue(
                            actual != null && actual.startsWith(dir.resolve(name) + ": " + error),
                            name + ": " + actual);
                });
    }

    @Test
    void a_file_that_turns_bad_keeps_its_vm_until_fixed_then_updates() throws Exception {
        final Path file = Fixtures.install("good/test-1.json", dir, "test-1.json");
        final DescriptorDirectory directory = start(registry);
        final Vm loaded = vm("test-1").orElseThrow();

        Files.writeString(file, "{ \"id\": \"test-1\", ");
        eventually("half-written file rejected", () -> directory.rejected().containsKey(file));
        assertEquals(loaded, vm("test-1").orElseThrow());

        Files.writeString(file, replace("good/test-1.json", "7070", "7272"));
        eventually(
                "test-1 updated and no longer rejected",
                () ->
                        !directory.rejected().containsKey(file)
                                && vm("test-1")
                                        .map(v -> v.guest().claim().endsWith(":7272"))
                                        .orElse(false));
    }

    @Test
    void a_duplicate_id_is_rejected_naming_both_files_and_loads_once_the_first_goes()
            throws Exception {
        final Path first = Fixtures.install("good/test-1.json", dir, "a.json");
        final DescriptorDirectory directory = start(registry);
        final Path second =
                Files.writeString(
                        dir.resolve("b.json"), replace("good/test-1.json", "7070", "7171"));
        eventually("b.json rejected", () -> directory.rejected().containsKey(second));
        assertEquals(
                second + ": field id: vm \"test-1\" is already registered by " + first,
                directory.rejected().get(second));
        assertEquals(
                new VmSource.DescriptorFile(first), registry.get("test-1").orElseThrow().source());

        Files.delete(first);
        eventually(
                "test-1 taken over by b.json",
                () ->
                        directory.rejected().isEmpty()
                                && registry.get("test-1")
                                        .map(
                                                e ->
                                                        e.source()
                                                                .equals(
                                                                        new VmSource.DescriptorFile(
                                                                                second)))
                                        .orElse(false));
    }

    @Test
    void a_shared_endpoint_is_rejected_naming_the_other_vm() throws Exception {
        Fixtures.install("good/qemu-1.json", dir, "qemu-1.json");
        final DescriptorDirectory directory = start(registry);
        final Path clash =
                Files.writeString(
                        dir.resolve("qemu-2.json"),
                        replace("good/qemu-1.json", "\"qemu-1\"", "\"qemu-2\""));
        eventually("qemu-2 rejected", () -> directory.rejected().containsKey(clash));
        assertTrue(
                directory
                        .rejected()
                        .get(clash)
                        .startsWith(
                                clash
                                        + ": field guest: guest endpoint vsock-cid:42 is already used by vm \"qemu-1\""),
                directory.rejected().get(clash));
        assertTrue(vm("qemu-2").isEmpty());
    }

    @Test
    void a_file_whose_id_changes_replaces_its_vm() throws Exception {
        final Path file = Fixtures.install("good/krun-1.json", dir, "krun.json");
        start(registry);
        Files.writeString(file, replace("good/krun-1.json", "\"krun-1\"", "\"krun-2\""));
        eventually("krun-2 registered", () -> vm("krun-2").isPresent());
        assertTrue(vm("krun-1").isEmpty());
    }

    @Test
    void the_api_and_the_files_cannot_take_each_others_ids() throws Exception {
        Fixtures.install("good/fc-1.json", dir, "fc-1.json");
        final DescriptorDirectory directory = start(registry);
        final CatalogException refused =
                assertThrows(
                        CatalogException.class,
                        () -> registry.register(renamed("good/ch-1.json", "fc-1"), VmSource.API));
        assertTrue(
                refused.getMessage().contains(dir.resolve("fc-1.json").toString()),
                refused.getMessage());
        assertThrows(CatalogException.class, () -> registry.unregister("fc-1", VmSource.API));

        registry.register(Fixtures.vm("good/test-1.json"), VmSource.API);
        final Path file = Fixtures.install("good/test-1.json", dir, "test-1.json");
        eventually("test-1.json rejected", () -> directory.rejected().containsKey(file));
        assertTrue(
                directory
                        .rejected()
                        .get(file)
                        .endsWith("vm \"test-1\" is already registered by api"),
                directory.rejected().get(file));
        assertEquals(VmSource.API, registry.get("test-1").orElseThrow().source());
    }

    @Test
    void the_periodic_rescan_catches_a_change_no_watch_event_reported(@TempDir final Path elsewhere)
            throws Exception {
        // The watch covers the directory only: editing the target of a symlink raises no event in
        // it.
        final Path target =
                Files.writeString(
                        elsewhere.resolve("target.json"), Fixtures.text("good/test-1.json"));
        Files.createSymbolicLink(dir.resolve("test-1.json"), target);
        final DescriptorDirectory directory =
                new DescriptorDirectory(dir, registry, Duration.ofMillis(100));
        opened.add(directory);
        directory.start();
        assertTrue(vm("test-1").isPresent());

        Files.writeString(target, replace("good/test-1.json", "7070", "7373"));
        eventually(
                "rescan saw port 7373",
                () -> vm("test-1").map(v -> v.guest().claim().endsWith(":7373")).orElse(false));
    }

    @Test
    void a_directory_every_user_can_write_is_refused() throws Exception {
        Fixtures.install("good/test-1.json", dir, "test-1.json");
        Files.setPosixFilePermissions(
                dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        final IOException e = assertThrows(IOException.class, () -> start(registry));
        assertTrue(e.getMessage().contains("writable by every user"), e.getMessage());
        assertTrue(registry.list().isEmpty());
    }

    private static Vm renamed(final String fixture, final String id)
            throws InvalidDescriptorException {
        return VmDescriptors.toVm(
                DescriptorJson.parse(Fixtures.text(fixture)).toBuilder().setId(id).build());
    }
}
