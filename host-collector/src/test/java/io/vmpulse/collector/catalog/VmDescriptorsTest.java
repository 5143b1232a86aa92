package io.vmpulse.collector.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.proto.control.v1.HybridVsock;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class VmDescriptorsTest {

    private static VmDescriptor.Builder valid() {
        final VmDescriptor.Builder b =
                VmDescriptor.newBuilder().setId("vm-7").setHypervisor("firecracker").setVmmPid(100);
        b.getGuestBuilder()
                .setHybridVsock(
                        HybridVsock.newBuilder().setUdsPath("/run/fc/vm-7.vsock").setPort(1024));
        return b;
    }

    private static InvalidDescriptorException rejected(final VmDescriptor.Builder d) {
        return assertThrows(InvalidDescriptorException.class, () -> VmDescriptors.toVm(d.build()));
    }

    @Test
    void firecracker_descriptor_becomes_a_vm_listening_on_uds_underscore_port() throws Exception {
        final Vm vm = Fixtures.vm("good/fc-1.json");
        assertEquals("fc-1", vm.id());
        assertEquals(HypervisorKind.FIRECRACKER, vm.hypervisor());
        assertEquals(OptionalInt.of(4242), vm.vmmPid());
        final GuestEndpoint.HybridVsock guest = (GuestEndpoint.HybridVsock) vm.guest();
        assertEquals(Path.of("/run/firecracker/fc-1/v.sock_1024"), guest.listenPath());
        assertEquals(List.of("fc-1-tap0"), vm.taps());
        assertEquals(List.of("rootfs", "scratch"), vm.blockDevices());
        assertEquals(
                Path.of("/run/firecracker/fc-1/metrics.fifo"),
                vm.host().metricsPath().orElseThrow());
        assertTrue(vm.balloon());
    }

    @Test
    void every_hypervisor_kind_round_trips_through_the_descriptor() throws Exception {
        for (String name : Fixtures.GOOD) {
            final Vm vm = Fixtures.vm(name);
            assertEquals(vm, VmDescriptors.toVm(VmDescriptors.toDescriptor(vm)), name);
        }
    }

    @Test
    void cid_2_is_refused_as_the_hosts_cid() {
        final InvalidDescriptorException e =
                rejected(
                        valid().setHypervisor("qemu")
                                .setGuest(
                                        io.vmpulse.proto.control.v1.GuestEndpoint.newBuilder()
                                                .setVsockCid(2)));
        assertEquals(
                "field guest.vsock_cid: 2 is the host's CID; guest CIDs start at 3",
                e.getMessage());
    }

    @Test
    void reserved_cids_are_refused_and_the_first_guest_cid_is_accepted() throws Exception {
        for (int cid : new int[] {0, 1, 2, -1}) {
            assertEquals(
                    "guest.vsock_cid",
                    rejected(
                                    valid().setGuest(
                                                    io.vmpulse.proto.control.v1.GuestEndpoint
                                                            .newBuilder()
                                                            .setVsockCid(cid)))
                            .field(),
                    "cid " + cid);
        }
        final Vm vm =
                VmDescriptors.toVm(
                        valid().setGuest(
                                        io.vmpulse.proto.control.v1.GuestEndpoint.newBuilder()
                                                .setVsockCid(3))
                                .build());
        assertEquals(new GuestEndpoint.VsockCid(3), vm.guest());
    }

    @Test
    void id_must_be_present_and_well_formed() {
        assertEquals(
                "field id: missing; every VM needs an id matching [A-Za-z0-9][A-Za-z0-9._-]{0,63}",
                rejected(valid().clearId()).getMessage());
        assertEquals("id", rejected(valid().setId("vm/7")).field());
        assertEquals("id", rejected(valid().setId("x".repeat(65))).field());
    }

    @Test
    void unknown_hypervisor_lists_the_known_ones() {
        assertEquals(
                "field hypervisor: \"xen\" is not one of firecracker, cloud-hypervisor, qemu, libkrun, none",
                rejected(valid().setHypervisor("xen")).getMessage());
    }

    @Test
    void vmm_pid_is_required_unless_there_is_no_hypervisor() throws Exception {
        assertEquals("vmm_pid", rejected(valid().clearVmmPid()).field());
        assertEquals("vmm_pid", rejected(valid().setVmmPid(-5)).field());
        assertEquals(
                OptionalInt.empty(),
                VmDescriptors.toVm(valid().setHypervisor("none").clearVmmPid().build()).vmmPid());
    }

    @Test
    void guest_endpoint_is_required() {
        assertEquals("guest", rejected(valid().clearGuest()).field());
    }

    @Test
    void ports_out_of_range_are_refused() {
        assertEquals(
                "field guest.tcp.port: 70000 is out of range (1 to 65535)",
                assertThrows(
                                InvalidDescriptorException.class,
                                () -> Fixtures.vm("bad/port-range.json"))
                        .getMessage());
        assertEquals(
                "guest.hybrid_vsock.port",
                rejected(
                                valid().setGuest(
                                                io.vmpulse.proto.control.v1.GuestEndpoint
                                                        .newBuilder()
                                                        .setHybridVsock(
                                                                HybridVsock.newBuilder()
                                                                        .setUdsPath("/run/v.sock")
                                                                        .setPort(0))))
                        .field());
    }

    @Test
    void socket_paths_must_be_absolute_and_fit_in_sun_path() {
        assertEquals(
                "guest.hybrid_vsock.uds_path",
                rejected(
                                valid().setGuest(
                                                io.vmpulse.proto.control.v1.GuestEndpoint
                                                        .newBuilder()
                                                        .setHybridVsock(
                                                                HybridVsock.newBuilder()
                                                                        .setUdsPath("run/v.sock")
                                                                        .setPort(5))))
                        .field());
        // A 103-byte base plus "_1024" is a 108-byte listen path, one more than sun_path holds.
        final String base = "/" + "a".repeat(102);
        final InvalidDescriptorException e =
                rejected(
                        valid().setGuest(
                                        io.vmpulse.proto.control.v1.GuestEndpoint.newBuilder()
                                                .setHybridVsock(
                                                        HybridVsock.newBuilder()
                                                                .setUdsPath(base)
                                                                .setPort(1024))));
        assertEquals("guest.hybrid_vsock", e.field());
        assertTrue(e.getMessage().contains("108 bytes"), e.getMessage());
    }

    @Test
    void tap_names_follow_the_kernels_interface_name_rules() {
        assertEquals("taps[0]", rejected(valid().addTaps("a-very-long-tap-name")).field());
        assertEquals("taps[1]", rejected(valid().addTaps("tap0").addTaps("tap/1")).field());
        assertEquals(
                "field taps[1]: \"tap0\" is listed twice",
                rejected(valid().addTaps("tap0").addTaps("tap0")).getMessage());
    }

    @Test
    void host_endpoints_must_fit_the_hypervisor() {
        final VmDescriptor.Builder fcWithQmp = valid();
        fcWithQmp.getHostBuilder().setQmpSocket("/run/q.qmp");
        assertEquals(
                "field host.qmp_socket: only QEMU has a QMP socket; this VM's hypervisor is firecracker",
                rejected(fcWithQmp).getMessage());
        final VmDescriptor.Builder chWithMetrics = valid().setHypervisor("cloud-hypervisor");
        chWithMetrics.getHostBuilder().setMetricsPath("/run/m");
        assertEquals("host.metrics_path", rejected(chWithMetrics).field());
    }

    @Test
    void labels_are_kept_sorted_by_key_and_round_trip_through_the_descriptor() throws Exception {
        final Vm vm =
                VmDescriptors.toVm(
                        valid().putLabels("zone", "b").putLabels("app", "web é \"x\" \\").build());
        assertEquals(List.of("app", "zone"), List.copyOf(vm.labels().keySet()));
        assertEquals("web é \"x\" \\", vm.labels().get("app"));
        assertEquals(vm, VmDescriptors.toVm(VmDescriptors.toDescriptor(vm)));
    }

    @Test
    void label_keys_must_be_identifiers_of_at_most_63_characters() throws Exception {
        assertEquals(
                "field labels: key \"1st\" does not match [a-zA-Z_][a-zA-Z0-9_]{0,62}",
                rejected(valid().putLabels("1st", "x")).getMessage());
        assertEquals("labels", rejected(valid().putLabels("a-b", "x")).field());
        assertEquals("labels", rejected(valid().putLabels("", "x")).field());
        assertEquals("labels", rejected(valid().putLabels("k" + "x".repeat(63), "x")).field());
        final String escaped = rejected(valid().putLabels("a\nb", "x")).getMessage();
        assertEquals(
                "field labels: key \"a\\x0ab\" does not match [a-zA-Z_][a-zA-Z0-9_]{0,62}",
                escaped);
        VmDescriptors.toVm(valid().putLabels("_" + "x".repeat(62), "x").build());
    }

    @Test
    void label_values_are_bounded_and_hold_no_control_characters() throws Exception {
        assertEquals(
                "field labels.tenant: value of 129 bytes; at most 128",
                rejected(valid().putLabels("tenant", "x".repeat(129))).getMessage());
        assertEquals(
                "field labels.tenant: value of 130 bytes; at most 128",
                rejected(valid().putLabels("tenant", "é".repeat(65))).getMessage(),
                "UTF-8 bytes, not characters");
        VmDescriptors.toVm(valid().putLabels("tenant", "x".repeat(128)).build());
        for (String bad : List.of("a\nb", "\u001b[31m", "tab\there", "del\u007f", "c1\u0085")) {
            final InvalidDescriptorException e = rejected(valid().putLabels("tenant", bad));
            assertEquals("labels.tenant", e.field());
            assertTrue(
                    e.getMessage().contains("control character")
                            && !e.getMessage().contains("\n")
                            && e.getMessage().chars().noneMatch(Character::isISOControl),
                    e.getMessage());
        }
    }

    @Test
    void at_most_32_labels() throws Exception {
        final VmDescriptor.Builder d = valid();
        for (int i = 0; i < 32; i++) {
            d.putLabels("k" + i, "v");
        }
        assertEquals(32, VmDescriptors.toVm(d.build()).labels().size());
        d.putLabels("k32", "v");
        assertEquals("field labels: 33 labels; at most 32 are allowed", rejected(d).getMessage());
    }
}
