package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.vmpulse.collector.catalog.Fixtures;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.control.ControlServer;
import io.vmpulse.collector.control.VmControlService;
import io.vmpulse.proto.control.v1.ListResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as an operator runs it, against a real control server on a Unix socket. */
@Timeout(60)
class VmCommandTest {
    @TempDir Path tmp;

    private final VmCatalog registry = new VmCatalog();
    private ControlServer server;
    private Path socket;

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        server =
                ControlServer.start(
                        tmp.resolve("control.sock"),
                        Optional.empty(),
                        new VmControlService(registry, Map::of));
        socket = server.socket();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Run run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new VmCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run vm(final String command, final String... args) {
        return run(
                Stream.concat(Stream.of(command, "--socket", socket.toString()), Stream.of(args))
                        .toArray(String[]::new));
    }

    private Path fixture(final String name) throws IOException {
        return Fixtures.install(name, tmp, Path.of(name).getFileName().toString());
    }

    @Test
    void add_from_a_descriptor_file_registers_the_vm() throws Exception {
        final Run r = vm("add", fixture("good/fc-1.json").toString());
        assertEquals(new Run(0, "registered vm fc-1\n", ""), r);
        assertEquals(Fixtures.vm("good/fc-1.json"), registry.get("fc-1").orElseThrow().vm());
        assertEquals(VmSource.API, registry.get("fc-1").orElseThrow().source());
    }

    @Test
    void add_from_flags_registers_the_same_vm_as_the_equivalent_file() throws Exception {
        final Run r =
                vm(
                        "add",
                        "--id",
                        "fc-1",
                        "--hypervisor",
                        "firecracker",
                        "--pid",
                        "4242",
                        "--hybrid-vsock",
                        "/run/firecracker/fc-1/v.sock:1024",
                        "--tap",
                        "fc-1-tap0",
                        "--block-device",
                        "rootfs",
                        "--block-device",
                        "scratch",
                        "--api-socket",
                        "/run/firecracker/fc-1/api.sock",
                        "--metrics-path",
                        "/run/firecracker/fc-1/metrics.fifo",
                        "--balloon",
                        "--cgroup",
                        "/sys/fs/cgroup/firecracker/fc-1",
                        "--label",
                        "tenant=acme",
                        "--label",
                        "pool=eu-west-1a");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Fixtures.vm("good/fc-1.json"), registry.get("fc-1").orElseThrow().vm());
    }

    @Test
    void add_update_replaces_a_vm_registered_through_the_api() throws Exception {
        assertEquals(
                0,
                vm("add", "--id", "t", "--hypervisor", "none", "--tcp", "127.0.0.1:7000").exit());
        final Run r =
                vm("add", "--update", "--id", "t", "--hypervisor", "none", "--tcp", "[::1]:7001");
        assertEquals(new Run(0, "updated vm t\n", ""), r);
        assertEquals("tcp:::1:7001", registry.get("t").orElseThrow().vm().guest().claim());
    }

    @Test
    void a_bad_descriptor_file_is_refused_naming_file_and_field_with_exit_1() throws Exception {
        final Path file = fixture("bad/cid-2.json");
        final Run r = vm("add", file.toString());
        assertEquals(1, r.exit());
        assertEquals(
                "error: "
                        + file
                        + ": field guest.vsock_cid: 2 is the host's CID; guest CIDs start at 3\n",
                r.err());
        assertTrue(registry.list().isEmpty());
    }

    @Test
    void bad_flags_are_refused_naming_the_descriptor_field() {
        final Run r =
                vm("add", "--id", "q", "--hypervisor", "qemu", "--pid", "7", "--vsock-cid", "2");
        assertEquals(1, r.exit());
        assertEquals(
                "error: field guest.vsock_cid: 2 is the host's CID; guest CIDs start at 3\n",
                r.err());
    }

    @Test
    void a_refusal_by_the_collector_exits_1_with_its_reason() throws Exception {
        assertEquals(0, vm("add", fixture("good/qemu-1.json").toString()).exit());
        final Run r =
                vm(
                        "add",
                        "--id",
                        "qemu-2",
                        "--hypervisor",
                        "qemu",
                        "--pid",
                        "7",
                        "--vsock-cid",
                        "42");
        assertEquals(1, r.exit());
        assertTrue(
                r.err()
                        .startsWith(
                                "error: field guest: guest endpoint vsock-cid:42 is already used by vm \"qemu-1\""),
                r.err());
        assertTrue(registry.get("qemu-2").isEmpty());
    }

    @Test
    void file_and_flags_together_or_two_endpoints_are_usage_errors() throws Exception {
        final Run both = vm("add", fixture("good/test-1.json").toString(), "--id", "other");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("give a descriptor FILE or flags, not both"), both.err());
        final Run twoEndpoints =
                vm(
                        "add",
                        "--id",
                        "x",
                        "--hypervisor",
                        "none",
                        "--tcp",
                        "127.0.0.1:1",
                        "--vsock-cid",
                        "5");
        assertEquals(2, twoEndpoints.exit());
        assertTrue(registry.list().isEmpty());
    }

    @Test
    void rm_removes_a_vm_and_an_unknown_id_exits_1() throws Exception {
        assertEquals(0, vm("add", fixture("good/test-1.json").toString()).exit());
        assertEquals(new Run(0, "unregistered vm test-1\n", ""), vm("rm", "test-1"));
        assertTrue(registry.get("test-1").isEmpty());
        final Run again = vm("rm", "test-1");
        assertEquals(new Run(1, "", "error: field id: no vm \"test-1\" is registered\n"), again);
    }

    @Test
    void ls_prints_one_aligned_row_per_vm() throws Exception {
        assertEquals(0, vm("add", fixture("good/qemu-1.json").toString()).exit());
        assertEquals(0, vm("add", fixture("good/test-1.json").toString()).exit());
        final Run r = vm("ls");
        assertEquals(0, r.exit(), r.err());
        assertEquals(
                String.join(
                        "\n",
                        "ID      HYPERVISOR  PID   GUEST               SOURCE",
                        "qemu-1  qemu        4444  vsock-cid:42        api",
                        "test-1  none        -     tcp:127.0.0.1:7070  api",
                        ""),
                r.out());
    }

    @Test
    void ls_json_is_the_list_response_in_proto_json() throws Exception {
        assertEquals(0, vm("add", fixture("good/krun-1.json").toString()).exit());
        final Run r = vm("ls", "--json");
        assertEquals(0, r.exit(), r.err());
        final ListResponse.Builder parsed = ListResponse.newBuilder();
        JsonFormat.parser().merge(r.out(), parsed);
        assertEquals(1, parsed.getVmsCount());
        assertEquals(
                io.vmpulse.collector.catalog.DescriptorJson.parse(
                        Fixtures.text("good/krun-1.json")),
                parsed.getVms(0).getVm());
        assertTrue(r.out().contains("\"libkrun_socket\""), r.out());
    }

    @Test
    void the_socket_option_also_works_before_the_subcommand() throws Exception {
        final Run r =
                run("--socket", socket.toString(), "add", fixture("good/test-1.json").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(registry.get("test-1").isPresent());
    }

    @Test
    void no_collector_exits_3_saying_where_it_looked() throws Exception {
        final Path missing = tmp.resolve("nobody.sock");
        final Run none = run("ls", "--socket", missing.toString());
        assertEquals(3, none.exit());
        assertTrue(none.err().contains("no control socket at " + missing), none.err());

        final Path stale = tmp.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        final Run refused = run("ls", "--socket", stale.toString());
        assertEquals(3, refused.exit());
        assertTrue(
                refused.err().startsWith("error: cannot reach the collector at " + stale),
                refused.err());
        assertTrue(Files.exists(stale));
    }

    @Test
    void vm_without_a_subcommand_prints_usage_and_exits_2() {
        final Run r = run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Usage: vm"), r.err());
    }
}
