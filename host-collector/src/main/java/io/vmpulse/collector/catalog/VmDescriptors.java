package io.vmpulse.collector.catalog;

import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.LogText;
import io.vmpulse.proto.control.v1.HybridVsock;
import io.vmpulse.proto.control.v1.TcpEndpoint;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Converts between the wire/file form of a VM ({@link VmDescriptor}) and the validated {@link Vm}.
 * Every rule here is listed in docs/vm-descriptors.md; a broken rule names its field.
 */
public final class VmDescriptors {
    /**
     * Starts with a letter or digit: ids name files and sockets, so {@code .}, {@code ..} and
     * hidden names are refused with any path separator.
     */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** PID_MAX_LIMIT on 64-bit Linux: no pid is larger. */
    static final int PID_MAX = 1 << 22;

    /** sockaddr_un.sun_path is 108 bytes including the terminating NUL. */
    static final int UNIX_PATH_MAX_BYTES = 107;

    /** IFNAMSIZ is 16 including the terminating NUL. */
    static final int IFNAME_MAX_BYTES = 15;

    static final int BLOCK_ID_MAX_CHARS = 128;
    static final int HOST_MAX_CHARS = 253;

    /** VMADDR_CID_ANY and VMADDR_PORT_ANY. */
    static final int VSOCK_ANY = -1;

    static final int FIRST_GUEST_CID = 3;
    static final Pattern LABEL_KEY = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,62}");
    static final int LABEL_VALUE_MAX_BYTES = 128;
    static final int MAX_LABELS = 32;

    private VmDescriptors() {}

    public static Vm toVm(final VmDescriptor d) throws InvalidDescriptorException {
        final String id = d.getId();
        if (id.isEmpty()) {
            throw new InvalidDescriptorException(
                    "id", "missing; every VM needs an id matching " + ID);
        }
        if (!ID.matcher(id).matches()) {
            throw new InvalidDescriptorException("id", quote(id) + " does not match " + ID);
        }
        final HypervisorKind kind = hypervisor(d.getHypervisor());
        return new Vm(
                id,
                kind,
                vmmPid(d.getVmmPid(), kind),
                guest(d),
                taps(d.getTapsList()),
                blockDevices(d.getBlockDevicesList()),
                host(d, kind),
                d.getBalloon(),
                optionalPath("cgroup", d.getCgroup()),
                labels(d.getLabelsMap()));
    }

    public static VmDescriptor toDescriptor(final Vm vm) {
        final VmDescriptor.Builder b =
                VmDescriptor.newBuilder()
                        .setId(vm.id())
                        .setHypervisor(vm.hypervisor().descriptorName())
                        .setVmmPid(vm.vmmPid().orElse(0))
                        .addAllTaps(vm.taps())
                        .addAllBlockDevices(vm.blockDevices())
                        .setBalloon(vm.balloon())
                        .putAllLabels(vm.labels());
        vm.cgroup().ifPresent(p -> b.setCgroup(p.toString()));
        final io.vmpulse.proto.control.v1.GuestEndpoint.Builder g = b.getGuestBuilder();
        final GuestEndpoint guest = vm.guest();
        if (guest instanceof GuestEndpoint.HybridVsock h) {
            g.setHybridVsock(
                    HybridVsock.newBuilder().setUdsPath(h.udsBase().toString()).setPort(h.port()));
        } else if (guest instanceof GuestEndpoint.LibkrunSocket l) {
            g.setLibkrunSocket(l.path().toString());
        } else if (guest instanceof GuestEndpoint.VsockCid c) {
            g.setVsockCid(c.cid());
        } else if (guest instanceof GuestEndpoint.Tcp t) {
            g.setTcp(TcpEndpoint.newBuilder().setHost(t.host()).setPort(t.port()));
        }
        final HostEndpoints host = vm.host();
        if (!host.equals(HostEndpoints.NONE)) {
            final io.vmpulse.proto.control.v1.HostEndpoints.Builder h = b.getHostBuilder();
            host.apiSocket().ifPresent(p -> h.setApiSocket(p.toString()));
            host.qmpSocket().ifPresent(p -> h.setQmpSocket(p.toString()));
            host.metricsPath().ifPresent(p -> h.setMetricsPath(p.toString()));
        }
        return b.build();
    }

    private static HypervisorKind hypervisor(final String name) throws InvalidDescriptorException {
        if (name.isEmpty()) {
            throw new InvalidDescriptorException(
                    "hypervisor", "missing; one of " + HypervisorKind.allDescriptorNames());
        }
        return HypervisorKind.fromDescriptorName(name)
                .orElseThrow(
                        () ->
                                new InvalidDescriptorException(
                                        "hypervisor",
                                        quote(name)
                                                + " is not one of "
                                                + HypervisorKind.allDescriptorNames()));
    }

    private static OptionalInt vmmPid(final int pid, final HypervisorKind kind)
            throws InvalidDescriptorException {
        if (pid == 0) {
            if (kind != HypervisorKind.NONE) {
                throw new InvalidDescriptorException(
                        "vmm_pid",
                        "missing; a " + kind.descriptorName() + " VM needs the pid of its VMM");
            }
            return OptionalInt.empty();
        }
        if (pid < 0 || pid > PID_MAX) {
            throw new InvalidDescriptorException(
                    "vmm_pid", pid + " is not a pid (1 to " + PID_MAX + ")");
        }
        return OptionalInt.of(pid);
    }

    private static GuestEndpoint guest(final VmDescriptor d) throws InvalidDescriptorException {
        final io.vmpulse.proto.control.v1.GuestEndpoint g = d.getGuest();
        switch (g.getKindCase()) {
            case HYBRID_VSOCK -> {
                final HybridVsock h = g.getHybridVsock();
                final Path base = path("guest.hybrid_vsock.uds_path", h.getUdsPath());
                if (h.getPort() == 0 || h.getPort() == VSOCK_ANY) {
                    throw new InvalidDescriptorException(
                            "guest.hybrid_vsock.port",
                            Integer.toUnsignedString(h.getPort())
                                    + " is out of range (1 to 4294967294)");
                }
                final GuestEndpoint.HybridVsock endpoint =
                        new GuestEndpoint.HybridVsock(base, h.getPort());
                checkSocketPathLength("guest.hybrid_vsock", endpoint.listenPath());
                return endpoint;
            }
            case LIBKRUN_SOCKET -> {
                final Path socket = path("guest.libkrun_socket", g.getLibkrunSocket());
                checkSocketPathLength("guest.libkrun_socket", socket);
                return new GuestEndpoint.LibkrunSocket(socket);
            }
            case VSOCK_CID -> {
                return new GuestEndpoint.VsockCid(guestCid(g.getVsockCid()));
            }
            case TCP -> {
                final TcpEndpoint t = g.getTcp();
                if (t.getHost().isEmpty()) {
                    throw new InvalidDescriptorException("guest.tcp.host", "missing");
                }
                if (t.getHost().length() > HOST_MAX_CHARS
                        || t.getHost().chars().anyMatch(c -> c <= ' ' || c == '/')) {
                    throw new InvalidDescriptorException(
                            "guest.tcp.host",
                            quote(t.getHost()) + " is not a host name or address");
                }
                if (t.getPort() < 1 || t.getPort() > 65535) {
                    throw new InvalidDescriptorException(
                            "guest.tcp.port",
                            Integer.toUnsignedString(t.getPort())
                                    + " is out of range (1 to 65535)");
                }
                return new GuestEndpoint.Tcp(t.getHost(), t.getPort());
            }
            case KIND_NOT_SET ->
                    throw new InvalidDescriptorException(
                            "guest",
                            "missing; set exactly one of hybrid_vsock, libkrun_socket, vsock_cid, tcp");
            default ->
                    throw new IllegalStateException("unhandled guest endpoint " + g.getKindCase());
        }
    }

    private static int guestCid(final int cid) throws InvalidDescriptorException {
        final String problem =
                switch (cid) {
                    case 0 -> "0 is the hypervisor's CID";
                    case 1 -> "1 is the local loopback CID";
                    case 2 -> "2 is the host's CID";
                    case VSOCK_ANY -> "4294967295 is VMADDR_CID_ANY";
                    default -> null;
                };
        if (problem != null) {
            throw new InvalidDescriptorException(
                    "guest.vsock_cid", problem + "; guest CIDs start at " + FIRST_GUEST_CID);
        }
        return cid;
    }

    private static List<String> taps(final List<String> taps) throws InvalidDescriptorException {
        return names(
                "taps",
                taps,
                VmDescriptors::isInterfaceName,
                "is not a network interface name (1 to 15 bytes; no '/', ':' or whitespace; not . or ..)");
    }

    private static boolean isInterfaceName(final String name) {
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        return bytes >= 1
                && bytes <= IFNAME_MAX_BYTES
                && !name.equals(".")
                && !name.equals("..")
                && name.chars()
                        .noneMatch(
                                c ->
                                        c == '/'
                                                || c == ':'
                                                || Character.isWhitespace(c)
                                                || Character.isISOControl(c));
    }

    private static List<String> blockDevices(final List<String> ids)
            throws InvalidDescriptorException {
        return names(
                "block_devices",
                ids,
                id ->
                        !id.isEmpty()
                                && id.length() <= BLOCK_ID_MAX_CHARS
                                && id.chars()
                                        .noneMatch(
                                                c ->
                                                        Character.isWhitespace(c)
                                                                || Character.isISOControl(c)),
                "is not a device id (1 to " + BLOCK_ID_MAX_CHARS + " characters, no whitespace)");
    }

    private static List<String> names(
            final String field,
            final List<String> names,
            final Predicate<String> valid,
            final String problem)
            throws InvalidDescriptorException {
        final Set<String> seen = new HashSet<>();
        final List<String> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            final String name = names.get(i);
            if (!valid.test(name)) {
                throw new InvalidDescriptorException(
                        field + "[" + i + "]", quote(name) + " " + problem);
            }
            if (!seen.add(name)) {
                throw new InvalidDescriptorException(
                        field + "[" + i + "]", quote(name) + " is listed twice");
            }
            out.add(name);
        }
        return out;
    }

    /**
     * Labels become Prometheus label values and OpenTelemetry attributes, keyed by name: keys are
     * identifiers both accept, values are bounded and printable, and there are few enough of them
     * that every one fits the record's labels field.
     */
    private static SortedMap<String, String> labels(final Map<String, String> labels)
            throws InvalidDescriptorException {
        if (labels.size() > MAX_LABELS) {
            throw new InvalidDescriptorException(
                    "labels", labels.size() + " labels; at most " + MAX_LABELS + " are allowed");
        }
        final SortedMap<String, String> out = new TreeMap<>();
        for (final Map.Entry<String, String> e : labels.entrySet()) {
            final String key = e.getKey();
            if (!LABEL_KEY.matcher(key).matches()) {
                throw new InvalidDescriptorException(
                        "labels", "key " + quote(key) + " does not match " + LABEL_KEY);
            }
            final String value = e.getValue();
            final String field = "labels." + key;
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new InvalidDescriptorException(
                        field, "value " + quote(value) + " holds a control character");
            }
            final int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > LABEL_VALUE_MAX_BYTES) {
                throw new InvalidDescriptorException(
                        field, "value of " + bytes + " bytes; at most " + LABEL_VALUE_MAX_BYTES);
            }
            out.put(key, value);
        }
        return out;
    }

    /**
     * {@code s} with each control character written as a backslash, u and four hex digits, so that
     * an error stays one line.
     */
    private static HostEndpoints host(final VmDescriptor d, final HypervisorKind kind)
            throws InvalidDescriptorException {
        final io.vmpulse.proto.control.v1.HostEndpoints h = d.getHost();
        final Optional<Path> api = optionalPath("host.api_socket", h.getApiSocket());
        final Optional<Path> qmp = optionalPath("host.qmp_socket", h.getQmpSocket());
        final Optional<Path> metrics = optionalPath("host.metrics_path", h.getMetricsPath());
        if (api.isPresent()
                && kind != HypervisorKind.FIRECRACKER
                && kind != HypervisorKind.CLOUD_HYPERVISOR) {
            throw notFor(
                    "host.api_socket", "Firecracker and Cloud Hypervisor have an API socket", kind);
        }
        if (qmp.isPresent() && kind != HypervisorKind.QEMU) {
            throw notFor("host.qmp_socket", "only QEMU has a QMP socket", kind);
        }
        if (metrics.isPresent() && kind != HypervisorKind.FIRECRACKER) {
            throw notFor("host.metrics_path", "only Firecracker writes a metrics file", kind);
        }
        return new HostEndpoints(api, qmp, metrics);
    }

    private static InvalidDescriptorException notFor(
            final String field, final String rule, final HypervisorKind kind) {
        return new InvalidDescriptorException(
                field, rule + "; this VM's hypervisor is " + kind.descriptorName());
    }

    private static Optional<Path> optionalPath(final String field, final String value)
            throws InvalidDescriptorException {
        return value.isEmpty() ? Optional.empty() : Optional.of(path(field, value));
    }

    private static Path path(final String field, final String value)
            throws InvalidDescriptorException {
        if (value.isEmpty()) {
            throw new InvalidDescriptorException(field, "missing");
        }
        final Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw new InvalidDescriptorException(
                    field, quote(value) + " is not a path: " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw new InvalidDescriptorException(field, quote(value) + " is not an absolute path");
        }
        return path.normalize();
    }

    private static void checkSocketPathLength(final String field, final Path socket)
            throws InvalidDescriptorException {
        final int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > UNIX_PATH_MAX_BYTES) {
            throw new InvalidDescriptorException(
                    field,
                    "the socket path "
                            + socket
                            + " is "
                            + bytes
                            + " bytes; a Unix socket path is at most "
                            + UNIX_PATH_MAX_BYTES);
        }
    }

    /** Quoted with control characters escaped: the value ends up in a log line. */
    static String quote(final String s) {
        return LogText.quote(s);
    }
}
