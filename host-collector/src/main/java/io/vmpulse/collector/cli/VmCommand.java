package io.vmpulse.collector.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vmpulse.collector.catalog.DescriptorJson;
import io.vmpulse.collector.catalog.InvalidDescriptorException;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmDescriptors;
import io.vmpulse.collector.control.ControlClient;
import io.vmpulse.collector.control.ControlServer;
import io.vmpulse.proto.control.v1.HybridVsock;
import io.vmpulse.proto.control.v1.ListResponse;
import io.vmpulse.proto.control.v1.RegisteredVm;
import io.vmpulse.proto.control.v1.RejectedDescriptor;
import io.vmpulse.proto.control.v1.TcpEndpoint;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code host-collector vm add|rm|ls}: manages VMs through the collector's control socket.
 *
 * <p>Exit codes: 0 done; 1 the descriptor or the request was refused (the message names the file
 * and field); 2 usage error; 3 the collector cannot be reached.
 */
@Command(
        name = "vm",
        mixinStandardHelpOptions = true,
        description = "Register, remove and list VMs through the collector's control socket.",
        subcommands = {VmCommand.Add.class, VmCommand.Rm.class, VmCommand.Ls.class})
public final class VmCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    @Option(
            names = "--socket",
            scope = CommandLine.ScopeType.INHERIT,
            paramLabel = "PATH",
            description = "Control socket of the collector (default: ${DEFAULT-VALUE}).")
    Path socket = ControlServer.DEFAULT_SOCKET;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** Runs one call against the collector and turns failures into a message and an exit code. */
    int withClient(final CommandSpec caller, final ClientCall call) {
        final PrintWriter err = caller.commandLine().getErr();
        if (!Files.exists(socket)) {
            err.println(
                    "error: no control socket at "
                            + socket
                            + "; is the collector running? (--socket sets the path)");
            return EXIT_UNREACHABLE;
        }
        try (ControlClient client = new ControlClient(socket)) {
            call.run(client, caller.commandLine().getOut());
            return 0;
        } catch (StatusRuntimeException e) {
            final Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                err.println(
                        "error: cannot reach the collector at "
                                + socket
                                + ": "
                                + e.getStatus().getDescription());
                return EXIT_UNREACHABLE;
            }
            err.println("error: " + e.getStatus().getDescription());
            return EXIT_REFUSED;
        } finally {
            caller.commandLine().getOut().flush();
            err.flush();
        }
    }

    @FunctionalInterface
    interface ClientCall {
        void run(ControlClient client, PrintWriter out);
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description =
                    "Register a VM, from a descriptor file (docs/vm-descriptors.md) or from flags.")
    static final class Add implements Callable<Integer> {
        @ParentCommand VmCommand parent;
        @Spec CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "A descriptor file (JSON).")
        Path file;

        @Option(
                names = "--update",
                description = "Replace a VM registered earlier through the API.")
        boolean update;

        @Option(names = "--id", description = "VM id, [A-Za-z0-9][A-Za-z0-9._-]{0,63}.")
        String id;

        @Option(
                names = "--hypervisor",
                description = "firecracker, cloud-hypervisor, qemu, libkrun or none.")
        String hypervisor;

        @Option(names = "--pid", description = "Pid of the VMM process.")
        Integer pid;

        @Option(
                names = "--hybrid-vsock",
                paramLabel = "UDS:PORT",
                description =
                        "Firecracker/Cloud Hypervisor vsock socket and port; the collector listens on UDS_PORT.")
        String hybridVsock;

        @Option(
                names = "--libkrun-socket",
                paramLabel = "PATH",
                description = "libkrun mapped vsock socket.")
        String libkrunSocket;

        @Option(
                names = "--vsock-cid",
                paramLabel = "CID",
                description = "The guest's vsock CID (QEMU vhost-vsock).")
        Long vsockCid;

        @Option(
                names = "--tcp",
                paramLabel = "HOST:PORT",
                description = "TCP address for test VMs.")
        String tcp;

        @Option(
                names = "--tap",
                paramLabel = "NAME",
                description = "Host TAP interface (repeatable).")
        List<String> taps = new ArrayList<>();

        @Option(
                names = "--block-device",
                paramLabel = "ID",
                description = "Block device id (repeatable).")
        List<String> blockDevices = new ArrayList<>();

        @Option(
                names = "--api-socket",
                paramLabel = "PATH",
                description = "Firecracker/Cloud Hypervisor API socket.")
        String apiSocket;

        @Option(names = "--qmp-socket", paramLabel = "PATH", description = "QEMU QMP socket.")
        String qmpSocket;

        @Option(
                names = "--metrics-path",
                paramLabel = "PATH",
                description = "Firecracker metrics file or FIFO.")
        String metricsPath;

        @Option(names = "--balloon", description = "The VM has a balloon device.")
        boolean balloon;

        @Option(
                names = "--cgroup",
                paramLabel = "PATH",
                description = "The VM's cgroup v2 directory.")
        String cgroup;

        @Option(
                names = "--label",
                paramLabel = "KEY=VALUE",
                description = "A label of the VM (repeatable).")
        Map<String, String> labels = new LinkedHashMap<>();

        @Override
        public Integer call() {
            final PrintWriter err = spec.commandLine().getErr();
            final VmDescriptor descriptor;
            try {
                final VmDescriptor fromFlags = fromFlags();
                if (file != null && !fromFlags.equals(VmDescriptor.getDefaultInstance())) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "give a descriptor FILE or flags, not both");
                }
                descriptor = file != null ? fromFile() : fromFlags;
                // Checked here as well as by the collector, so that the error can name the file.
                VmDescriptors.toVm(descriptor);
            } catch (InvalidDescriptorException e) {
                err.println("error: " + (file != null ? file + ": " : "") + e.getMessage());
                return EXIT_REFUSED;
            } catch (IOException e) {
                err.println("error: cannot read " + file + ": " + e.getMessage());
                return EXIT_REFUSED;
            }
            return parent.withClient(
                    spec,
                    (client, out) -> {
                        if (update) {
                            client.update(descriptor);
                            out.println("updated vm " + descriptor.getId());
                        } else {
                            client.register(descriptor);
                            out.println("registered vm " + descriptor.getId());
                        }
                    });
        }

        private VmDescriptor fromFile() throws IOException, InvalidDescriptorException {
            return DescriptorJson.parse(Files.readString(file, StandardCharsets.UTF_8));
        }

        private VmDescriptor fromFlags() {
            final VmDescriptor.Builder b =
                    VmDescriptor.newBuilder()
                            .addAllTaps(taps)
                            .addAllBlockDevices(blockDevices)
                            .setBalloon(balloon)
                            .putAllLabels(labels);
            if (id != null) {
                b.setId(id);
            }
            if (hypervisor != null) {
                b.setHypervisor(hypervisor);
            }
            if (pid != null) {
                b.setVmmPid(pid);
            }
            if (cgroup != null) {
                b.setCgroup(cgroup);
            }
            final int endpoints =
                    (hybridVsock != null ? 1 : 0)
                            + (libkrunSocket != null ? 1 : 0)
                            + (vsockCid != null ? 1 : 0)
                            + (tcp != null ? 1 : 0);
            if (endpoints > 1) {
                throw usage("give one of --hybrid-vsock, --libkrun-socket, --vsock-cid, --tcp");
            }
            if (hybridVsock != null) {
                final int colon = hybridVsock.lastIndexOf(':');
                b.getGuestBuilder()
                        .setHybridVsock(
                                HybridVsock.newBuilder()
                                        .setUdsPath(
                                                colon < 0
                                                        ? hybridVsock
                                                        : hybridVsock.substring(0, colon))
                                        .setPort(
                                                colon < 0
                                                        ? 0
                                                        : uint32(
                                                                "--hybrid-vsock port",
                                                                hybridVsock.substring(colon + 1))));
            }
            if (libkrunSocket != null) {
                b.getGuestBuilder().setLibkrunSocket(libkrunSocket);
            }
            if (vsockCid != null) {
                b.getGuestBuilder().setVsockCid(uint32("--vsock-cid", vsockCid.toString()));
            }
            if (tcp != null) {
                final int colon = tcp.lastIndexOf(':');
                if (colon < 0) {
                    throw usage("--tcp takes HOST:PORT, got " + tcp);
                }
                final String host = tcp.substring(0, colon);
                b.getGuestBuilder()
                        .setTcp(
                                TcpEndpoint.newBuilder()
                                        .setHost(
                                                host.startsWith("[") && host.endsWith("]")
                                                        ? host.substring(1, host.length() - 1)
                                                        : host)
                                        .setPort(uint32("--tcp port", tcp.substring(colon + 1))));
            }
            if (apiSocket != null) {
                b.getHostBuilder().setApiSocket(apiSocket);
            }
            if (qmpSocket != null) {
                b.getHostBuilder().setQmpSocket(qmpSocket);
            }
            if (metricsPath != null) {
                b.getHostBuilder().setMetricsPath(metricsPath);
            }
            return b.build();
        }

        private int uint32(final String what, final String text) {
            try {
                return Integer.parseUnsignedInt(text);
            } catch (NumberFormatException e) {
                throw usage(what + " must be an integer from 0 to 4294967295, got " + text);
            }
        }

        private CommandLine.ParameterException usage(final String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Command(
            name = "rm",
            mixinStandardHelpOptions = true,
            description =
                    "Unregister VMs that were registered through the API (a file's VM goes when its file does).")
    static final class Rm implements Callable<Integer> {
        @ParentCommand VmCommand parent;
        @Spec CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "ID")
        List<String> ids;

        @Override
        public Integer call() {
            int worst = 0;
            for (String vmId : ids) {
                worst =
                        Math.max(
                                worst,
                                parent.withClient(
                                        spec,
                                        (client, out) -> {
                                            client.unregister(vmId);
                                            out.println("unregistered vm " + vmId);
                                        }));
            }
            return worst;
        }
    }

    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            description = "List registered VMs and rejected descriptor files.")
    static final class Ls implements Callable<Integer> {
        static final String[] HEADER = {"ID", "HYPERVISOR", "PID", "GUEST", "SOURCE"};

        @ParentCommand VmCommand parent;
        @Spec CommandSpec spec;

        @Option(
                names = "--json",
                description = "Print the ListResponse as JSON (proto field names).")
        boolean json;

        @Override
        public Integer call() {
            return parent.withClient(
                    spec,
                    (client, out) -> {
                        final ListResponse list = client.list();
                        if (json) {
                            out.println(DescriptorJson.print(list));
                        } else {
                            printTable(list, out);
                        }
                    });
        }

        private static void printTable(final ListResponse list, final PrintWriter out) {
            final List<String[]> rows = new ArrayList<>();
            rows.add(HEADER);
            for (RegisteredVm registered : list.getVmsList()) {
                rows.add(row(registered));
            }
            final int[] widths = new int[HEADER.length];
            rows.forEach(
                    r -> {
                        for (int i = 0; i < r.length; i++) {
                            widths[i] = Math.max(widths[i], r[i].length());
                        }
                    });
            for (String[] r : rows) {
                final StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    line.append(
                            i == r.length - 1
                                    ? r[i]
                                    : String.format("%-" + (widths[i] + 2) + "s", r[i]));
                }
                out.println(line);
            }
            if (list.getRejectedCount() > 0) {
                out.println();
                out.println("REJECTED DESCRIPTOR FILES");
                for (RejectedDescriptor rejected : list.getRejectedList()) {
                    out.println(rejected.getError());
                }
            }
        }

        private static String[] row(final RegisteredVm registered) {
            final VmDescriptor d = registered.getVm();
            String guest;
            try {
                final Vm vm = VmDescriptors.toVm(d);
                guest = vm.guest().claim();
            } catch (InvalidDescriptorException e) {
                // The collector validated it; a newer collector may know rules this CLI does not.
                guest = "?";
            }
            return new String[] {
                d.getId(),
                d.getHypervisor(),
                d.getVmmPid() == 0 ? "-" : Integer.toString(d.getVmmPid()),
                guest,
                registered.getSource()
            };
        }
    }
}
