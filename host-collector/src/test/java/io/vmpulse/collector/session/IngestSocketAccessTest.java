package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.LAST_HOST_MONO_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.proto.collector.v1.CollectorConfig;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VMM that runs as another user (the jailer's uid) connects to its VM's ingest socket on the
 * guest's behalf: the configured group and mode decide whether it can. Checked with a real process
 * running as {@code nobody}, once in the socket's group and once not.
 */
@Timeout(60)
class IngestSocketAccessTest {

    // "daemon" and "nogroup" exist on every Debian system; the test runs as root, which may chown
    // to them.
    private static final String GROUP = "daemon";

    @TempDir Path dir;

    @Test
    void ingest_socket_gets_the_configured_group_and_mode_so_a_vmm_in_that_group_can_connect()
            throws Exception {
        CollectorSettings settings =
                settings("\"ingestSockets\": {\"group\": \"" + GROUP + "\", \"mode\": \"0620\"}");
        // The test's directory must be searchable by the VMM's user, as a VMM's own directory is.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path socket = dir.resolve("v.sock_1024");
        try (Collector collector = Collector.start(settings, HostSampler.Options.defaults())) {
            VmCatalog vms = new VmCatalog();
            vms.addListener(collector);
            vms.register(
                    new Vm(
                            "fc-1",
                            HypervisorKind.NONE,
                            OptionalInt.empty(),
                            new GuestEndpoint.HybridVsock(dir.resolve("v.sock"), 1024),
                            List.of(),
                            List.of(),
                            HostEndpoints.NONE,
                            false,
                            Optional.empty()),
                    VmSource.API);
            awaitPublished(settings.registryPath(), "fc-1");

            PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
            assertEquals("rw--w----", PosixFilePermissions.toString(a.permissions()));
            assertEquals(
                    socket.getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName(GROUP),
                    a.group());

            Tools.Result inGroup = connectAsNobody(GROUP, socket);
            assertEquals(
                    0,
                    inGroup.exit(),
                    "nobody in group " + GROUP + " connects: " + inGroup.stderr());
            Tools.Result outside = connectAsNobody("nogroup", socket);
            assertEquals(1, outside.exit(), "nobody outside the group is refused");
            assertTrue(outside.stderr().contains("PermissionError"), outside.stderr());
        }
    }

    @Test
    void an_ingest_socket_group_that_does_not_exist_is_a_configuration_error_naming_the_field() {
        CollectorSettings.ConfigException e =
                assertThrows(
                        CollectorSettings.ConfigException.class,
                        () ->
                                settings(
                                        "\"ingestSockets\": {\"group\": \"no-such-group-vmpulse\"}"));
        assertEquals(
                "test config: field ingest_sockets: group 'no-such-group-vmpulse' does not exist",
                e.getMessage());
    }

    @Test
    void an_ingest_socket_mode_that_is_not_octal_is_a_configuration_error_naming_the_field() {
        CollectorSettings.ConfigException e =
                assertThrows(
                        CollectorSettings.ConfigException.class,
                        () -> settings("\"ingestSockets\": {\"mode\": \"rw-rw----\"}"));
        assertEquals(
                "test config: field ingest_sockets: mode 'rw-rw----' is not an octal mode such as \"0660\"",
                e.getMessage());
    }

    private CollectorSettings settings(String extra) throws Exception {
        CollectorConfig.Builder b = CollectorConfig.newBuilder();
        JsonFormat.parser()
                .merge(
                        "{\"registry\": {\"path\": \""
                                + dir.resolve("registry")
                                + "\", \"slots\": 2}, "
                                + "\"descriptorDir\": \"\", \"controlSocket\": \"\", \"intervalMs\": 200, "
                                + extra
                                + "}",
                        b);
        return CollectorSettings.from(b.build(), "test config");
    }

    /**
     * Connects to {@code socket} from a separate process running as user nobody with only group
     * {@code group}.
     */
    private static Tools.Result connectAsNobody(String group, Path socket) throws Exception {
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

    /**
     * A VM's first sample is published after its listener is set up, socket mode and group
     * included.
     */
    private static void awaitPublished(Path registry, String vm) throws Exception {
        try (RegistryReader reader = RegistryReader.open(registry)) {
            SlotSnapshot s = reader.newSnapshot();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(reader.read(0, s)
                    && vm.equals(s.vmId())
                    && s.sample().getLong(LAST_HOST_MONO_NS) != 0)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("vm " + vm + " was not published within 10 s");
                }
                Thread.sleep(10);
            }
        }
    }
}
