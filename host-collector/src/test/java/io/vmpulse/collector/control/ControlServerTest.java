package io.vmpulse.collector.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vmpulse.collector.catalog.DescriptorDirectory;
import io.vmpulse.collector.catalog.DescriptorJson;
import io.vmpulse.collector.catalog.Fixtures;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.proto.control.v1.ListResponse;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real gRPC server on a real Unix socket in a temporary directory, called by the real client. */
@Timeout(60)
class ControlServerTest {
    @TempDir Path tmp;

    private final VmCatalog registry = new VmCatalog();
    private DescriptorDirectory directory;
    private ControlServer server;
    private ControlClient client;

    @BeforeEach
    void start() throws IOException {
        directory = new DescriptorDirectory(tmp.resolve("vms"), registry, Duration.ofHours(1));
        Files.createDirectories(directory.directory());
        Fixtures.install("good/fc-1.json", directory.directory(), "fc-1.json");
        Fixtures.install("bad/cid-2.json", directory.directory(), "cid-2.json");
        directory.start();
        server =
                ControlServer.start(
                        tmp.resolve("run/control.sock"),
                        Optional.empty(),
                        new VmControlService(registry, directory::rejected));
        client = new ControlClient(server.socket());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        directory.close();
    }

    private static VmDescriptor descriptor(final String fixture) throws Exception {
        return DescriptorJson.parse(Fixtures.text(fixture));
    }

    private static Status refused(final Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus();
    }

    @Test
    void the_socket_is_a_socket_with_mode_0660() throws IOException {
        final Path socket = tmp.resolve("run/control.sock");
        assertTrue(
                Files.readAttributes(
                                socket,
                                java.nio.file.attribute.BasicFileAttributes.class,
                                LinkOption.NOFOLLOW_LINKS)
                        .isOther());
        assertEquals(
                "rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void the_socket_is_given_to_the_configured_group_so_its_members_can_connect() throws Exception {
        // "daemon" exists on every Debian system; the test runs as root, which may chown to it.
        final Path dir = Files.createDirectory(tmp.resolve("grouped"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        try (ControlServer grouped =
                ControlServer.start(
                        dir.resolve("control.sock"),
                        Optional.of("daemon"),
                        new VmControlService(new VmCatalog(), Map::of))) {
            final PosixFileAttributes a =
                    Files.readAttributes(grouped.socket(), PosixFileAttributes.class);
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
            assertEquals(
                    tmp.getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName("daemon"),
                    a.group());
            assertEquals(
                    0,
                    connectAsNobody("daemon", grouped.socket()).exit(),
                    "a member of the group connects");
            final Tools.Result outsider = connectAsNobody("nogroup", grouped.socket());
            assertEquals(1, outsider.exit(), "anyone else is refused");
            assertTrue(outsider.stderr().contains("PermissionError"), outsider.stderr());
        }
    }

    @Test
    void an_unknown_group_is_an_error_naming_the_group_and_the_socket() {
        final Path socket = tmp.resolve("grouped.sock");
        final IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                ControlServer.start(
                                        socket,
                                        Optional.of("no-such-group-vmpulse"),
                                        new VmControlService(new VmCatalog(), Map::of)));
        assertEquals(
                "cannot give socket " + socket + " to group 'no-such-group-vmpulse': no such group",
                e.getMessage());
    }

    /**
     * Connects to {@code socket} from a separate process running as user nobody with only group
     * {@code group}.
     */
    private static Tools.Result connectAsNobody(final String group, final Path socket)
            throws Exception {
        return Tools.run(
                List.of(
                        "setpriv",
                        "--reuid=nobody",
                        "--regid=" + group,
                        "--clear-groups",
                        "/usr/bin/python3",
                        "-c",
                        "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])",
                        socket.toString()),
                30);
    }

    @Test
    void register_update_list_and_unregister_reach_the_registry() throws Exception {
        client.register(descriptor("good/qemu-1.json"));
        assertEquals(VmSource.API, registry.get("qemu-1").orElseThrow().source());

        client.update(descriptor("good/qemu-1.json").toBuilder().setVmmPid(5555).build());
        assertEquals(5555, registry.get("qemu-1").orElseThrow().vm().vmmPid().getAsInt());

        final ListResponse list = client.list();
        assertEquals(
                List.of("fc-1", "qemu-1"),
                list.getVmsList().stream().map(v -> v.getVm().getId()).toList());
        assertEquals(
                directory.directory().resolve("fc-1.json").toString(), list.getVms(0).getSource());
        assertEquals("api", list.getVms(1).getSource());
        assertEquals(descriptor("good/fc-1.json"), list.getVms(0).getVm());

        client.unregister("qemu-1");
        assertTrue(registry.get("qemu-1").isEmpty());
    }

    @Test
    void list_reports_rejected_descriptor_files_with_file_and_field() {
        final ListResponse list = client.list();
        assertEquals(1, list.getRejectedCount());
        assertEquals(
                directory.directory().resolve("cid-2.json").toString(),
                list.getRejected(0).getFile());
        assertTrue(
                list.getRejected(0)
                        .getError()
                        .contains("cid-2.json: field guest.vsock_cid: 2 is the host's CID"),
                list.getRejected(0).getError());
    }

    @Test
    void an_invalid_descriptor_is_invalid_argument_naming_the_field() throws Exception {
        final Status status =
                refused(
                        () ->
                                client.register(
                                        VmDescriptor.newBuilder()
                                                .setId("x")
                                                .setHypervisor("xen")
                                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertTrue(
                status.getDescription().startsWith("field hypervisor: \"xen\""),
                status.getDescription());
        assertTrue(registry.get("x").isEmpty());
    }

    @Test
    void the_api_cannot_take_or_remove_a_vm_a_file_owns() throws Exception {
        final VmDescriptor sameId =
                descriptor("good/test-1.json").toBuilder().setId("fc-1").build();
        final Status taken = refused(() -> client.register(sameId));
        assertEquals(Status.Code.ALREADY_EXISTS, taken.getCode());
        assertTrue(taken.getDescription().contains("fc-1.json"), taken.getDescription());

        final Status owned = refused(() -> client.unregister("fc-1"));
        assertEquals(Status.Code.FAILED_PRECONDITION, owned.getCode());
        assertTrue(registry.get("fc-1").isPresent());
    }

    @Test
    void unregistering_an_unknown_vm_is_not_found() {
        assertEquals(Status.Code.NOT_FOUND, refused(() -> client.unregister("ghost")).getCode());
    }

    @Test
    void a_second_server_on_a_live_socket_is_refused() {
        final IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                ControlServer.start(
                                        server.socket(),
                                        Optional.empty(),
                                        new VmControlService(new VmCatalog(), Map::of)));
        assertTrue(e.getMessage().contains("another collector is running"), e.getMessage());
        assertTrue(client.list().getVmsCount() > 0, "the first server still answers");
    }

    @Test
    void a_stale_socket_left_by_a_dead_server_is_replaced() throws Exception {
        final Path stale = tmp.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(
                Files.exists(stale, LinkOption.NOFOLLOW_LINKS),
                "closing a channel leaves its socket file");
        final VmCatalog other = new VmCatalog();
        try (ControlServer second =
                        ControlServer.start(
                                stale, Optional.empty(), new VmControlService(other, Map::of));
                ControlClient secondClient = new ControlClient(second.socket())) {
            secondClient.register(descriptor("good/test-1.json"));
            assertTrue(other.get("test-1").isPresent());
        }
        assertFalse(Files.exists(stale, LinkOption.NOFOLLOW_LINKS), "close removes the socket");
    }

    @Test
    void a_regular_file_at_the_socket_path_is_not_replaced() throws IOException {
        final Path file = Files.writeString(tmp.resolve("not-a-socket"), "keep me");
        assertThrows(
                IOException.class,
                () ->
                        ControlServer.start(
                                file,
                                Optional.empty(),
                                new VmControlService(new VmCatalog(), Map::of)));
        assertEquals("keep me", Files.readString(file));
    }
}
