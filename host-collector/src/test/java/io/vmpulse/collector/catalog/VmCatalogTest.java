package io.vmpulse.collector.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.HypervisorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class VmCatalogTest {
    private static final VmSource FILE_A =
            new VmSource.DescriptorFile(Path.of("/etc/vmpulse/vms/a.json"));

    private final VmCatalog registry = new VmCatalog();

    /** Records every callback as a line, in order. */
    private static final class Recorder implements VmCatalog.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void vmAdded(final Vm vm) {
            events.add("added " + vm.id());
        }

        @Override
        public void vmUpdated(final Vm before, final Vm after) {
            events.add(
                    "updated "
                            + before.id()
                            + " "
                            + before.vmmPid().orElse(0)
                            + "->"
                            + after.vmmPid().orElse(0));
        }

        @Override
        public void vmRemoved(final Vm vm) {
            events.add("removed " + vm.id());
        }
    }

    private static Vm tcpVm(final String id, final int port, final int pid) {
        return new Vm(
                id,
                HypervisorKind.NONE,
                OptionalInt.of(pid),
                new GuestEndpoint.Tcp("127.0.0.1", port),
                List.of(),
                List.of(),
                HostEndpoints.NONE,
                false,
                Optional.empty());
    }

    private static Vm vsockVm(final String id, final int cid) {
        return new Vm(
                id,
                HypervisorKind.QEMU,
                OptionalInt.of(1),
                new GuestEndpoint.VsockCid(cid),
                List.of(),
                List.of(),
                HostEndpoints.NONE,
                false,
                Optional.empty());
    }

    @Test
    void listeners_see_add_update_remove_in_order() throws Exception {
        final Recorder recorder = new Recorder();
        registry.addListener(recorder);
        registry.register(tcpVm("a", 7000, 1), VmSource.API);
        registry.update(tcpVm("a", 7000, 2), VmSource.API);
        registry.unregister("a", VmSource.API);
        assertEquals(List.of("added a", "updated a 1->2", "removed a"), recorder.events);
        assertTrue(registry.list().isEmpty());
    }

    @Test
    void an_update_that_changes_nothing_tells_no_listener() throws Exception {
        final Recorder recorder = new Recorder();
        registry.register(tcpVm("a", 7000, 1), VmSource.API);
        registry.addListener(recorder);
        registry.update(tcpVm("a", 7000, 1), VmSource.API);
        assertEquals(List.of("added a"), recorder.events, "only the replay of the existing VM");
    }

    @Test
    void a_new_listener_is_told_about_vms_already_registered() throws Exception {
        registry.register(tcpVm("b", 7001, 1), VmSource.API);
        registry.register(tcpVm("a", 7000, 1), FILE_A);
        final Recorder recorder = new Recorder();
        registry.addListener(recorder);
        assertEquals(2, recorder.events.size());
        assertTrue(
                recorder.events.containsAll(List.of("added a", "added b")),
                recorder.events.toString());
    }

    @Test
    void a_failing_listener_does_not_stop_the_change_or_other_listeners() throws Exception {
        registry.addListener(
                new VmCatalog.Listener() {
                    @Override
                    public void vmAdded(final Vm vm) {
                        throw new IllegalStateException("listener bug");
                    }

                    @Override
                    public void vmUpdated(final Vm before, final Vm after) {}

                    @Override
                    public void vmRemoved(final Vm vm) {}
                });
        final Recorder recorder = new Recorder();
        registry.addListener(recorder);
        registry.register(tcpVm("a", 7000, 1), VmSource.API);
        assertEquals(List.of("added a"), recorder.events);
        assertTrue(registry.get("a").isPresent());
    }

    @Test
    void a_taken_id_is_refused_naming_who_holds_it() throws Exception {
        registry.register(tcpVm("a", 7000, 1), FILE_A);
        final CatalogException e =
                assertThrows(
                        CatalogException.class,
                        () -> registry.register(tcpVm("a", 7001, 1), VmSource.API));
        assertEquals(CatalogException.Reason.ID_TAKEN, e.reason());
        assertEquals("vm \"a\" is already registered by /etc/vmpulse/vms/a.json", e.getMessage());
        assertEquals(
                7000, ((GuestEndpoint.Tcp) registry.get("a").orElseThrow().vm().guest()).port());
    }

    @Test
    void two_vms_cannot_share_a_cid() throws Exception {
        registry.register(vsockVm("a", 5), VmSource.API);
        final CatalogException e =
                assertThrows(
                        CatalogException.class,
                        () -> registry.register(vsockVm("b", 5), VmSource.API));
        assertEquals(CatalogException.Reason.ENDPOINT_TAKEN, e.reason());
        assertEquals("guest", e.field());
        assertTrue(
                e.getMessage().contains("vsock-cid:5 is already used by vm \"a\""), e.getMessage());
        assertTrue(registry.get("b").isEmpty());
    }

    @Test
    void two_vms_cannot_share_a_listen_path_even_when_written_differently() throws Exception {
        final Vm fc =
                new Vm(
                        "fc",
                        HypervisorKind.FIRECRACKER,
                        OptionalInt.of(1),
                        new GuestEndpoint.HybridVsock(Path.of("/run/v.sock"), 52),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty());
        final Vm krun =
                new Vm(
                        "krun",
                        HypervisorKind.LIBKRUN,
                        OptionalInt.of(2),
                        new GuestEndpoint.LibkrunSocket(Path.of("/run/v.sock_52")),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty());
        registry.register(fc, VmSource.API);
        assertEquals(
                CatalogException.Reason.ENDPOINT_TAKEN,
                assertThrows(CatalogException.class, () -> registry.register(krun, VmSource.API))
                        .reason());
    }

    @Test
    void an_update_may_keep_its_own_endpoint_but_not_take_another() throws Exception {
        registry.register(tcpVm("a", 7000, 1), VmSource.API);
        registry.register(tcpVm("b", 7001, 1), VmSource.API);
        registry.update(tcpVm("a", 7000, 9), VmSource.API);
        assertThrows(
                CatalogException.class, () -> registry.update(tcpVm("a", 7001, 9), VmSource.API));
        registry.update(tcpVm("a", 7002, 9), VmSource.API);
        // 7000 was released by the move, so another VM may now use it.
        registry.register(tcpVm("c", 7000, 1), VmSource.API);
        assertEquals(
                List.of("a", "b", "c"), registry.list().stream().map(e -> e.vm().id()).toList());
    }

    @Test
    void only_the_registering_source_may_change_or_remove_a_vm() throws Exception {
        registry.register(tcpVm("a", 7000, 1), FILE_A);
        final CatalogException e =
                assertThrows(CatalogException.class, () -> registry.unregister("a", VmSource.API));
        assertEquals(CatalogException.Reason.OWNED_ELSEWHERE, e.reason());
        assertTrue(e.getMessage().contains("/etc/vmpulse/vms/a.json"), e.getMessage());
        assertEquals(
                CatalogException.Reason.OWNED_ELSEWHERE,
                assertThrows(
                                CatalogException.class,
                                () ->
                                        registry.unregister(
                                                "a",
                                                new VmSource.DescriptorFile(
                                                        Path.of("/etc/vmpulse/vms/other.json"))))
                        .reason());
        assertThrows(
                CatalogException.class, () -> registry.update(tcpVm("a", 7000, 2), VmSource.API));
        assertEquals(FILE_A, registry.get("a").orElseThrow().source());
        registry.unregister("a", new VmSource.DescriptorFile(Path.of("/etc/vmpulse/vms/a.json")));
        assertTrue(registry.get("a").isEmpty());
    }

    @Test
    void concurrent_changes_keep_ids_and_endpoints_unique_and_events_in_order() throws Exception {
        final java.util.Map<String, List<String>> perVm =
                new java.util.concurrent.ConcurrentHashMap<>();
        registry.addListener(
                new VmCatalog.Listener() {
                    @Override
                    public void vmAdded(final Vm vm) {
                        perVm.computeIfAbsent(vm.id(), k -> new ArrayList<>()).add("added");
                    }

                    @Override
                    public void vmUpdated(final Vm before, final Vm after) {
                        perVm.computeIfAbsent(after.id(), k -> new ArrayList<>()).add("updated");
                    }

                    @Override
                    public void vmRemoved(final Vm vm) {
                        perVm.computeIfAbsent(vm.id(), k -> new ArrayList<>()).add("removed");
                    }
                });
        // Four threads fight over eight ids and four ports, so most calls are refused.
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final java.util.Random random = new java.util.Random(t);
            threads.add(
                    new Thread(
                            () -> {
                                for (int i = 0; i < 20_000; i++) {
                                    final Vm vm =
                                            tcpVm(
                                                    "vm" + random.nextInt(8),
                                                    7000 + random.nextInt(4),
                                                    1 + random.nextInt(3));
                                    try {
                                        switch (random.nextInt(3)) {
                                            case 0 -> registry.register(vm, VmSource.API);
                                            case 1 -> registry.update(vm, VmSource.API);
                                            default -> registry.unregister(vm.id(), VmSource.API);
                                        }
                                    } catch (CatalogException expected) {
                                        // refusals are the point of the contention
                                    }
                                }
                            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        final List<VmCatalog.Entry> left = registry.list();
        assertEquals(
                left.size(),
                left.stream().map(e -> e.vm().guest().claim()).distinct().count(),
                "endpoints unique");
        perVm.forEach(
                (id, events) -> {
                    boolean present = false;
                    for (String event : events) {
                        assertEquals(
                                event.equals("added"),
                                !present,
                                id + " got " + event + " while present=" + present);
                        present = !event.equals("removed");
                    }
                    assertEquals(present, registry.get(id).isPresent(), id);
                });
    }

    @Test
    void removing_an_unknown_vm_is_not_found() {
        assertEquals(
                CatalogException.Reason.NOT_FOUND,
                assertThrows(
                                CatalogException.class,
                                () -> registry.unregister("ghost", VmSource.API))
                        .reason());
    }
}
