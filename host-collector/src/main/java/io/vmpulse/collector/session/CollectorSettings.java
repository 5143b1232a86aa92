package io.vmpulse.collector.session;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.proto.collector.v1.CollectorConfig;
import io.vmpulse.proto.collector.v1.GuestLimitsConfig;
import io.vmpulse.proto.collector.v1.IngestSocketsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The collector's settings: the JSON file of {@link CollectorConfig} with every default filled in
 * and every value checked, so the daemon never starts half-configured.
 */
public record CollectorSettings(
        Path registryPath,
        int slots,
        String registryGroup,
        int registryDirectoryMode,
        Optional<Path> descriptorDir,
        Optional<Path> controlSocket,
        String controlGroup,
        int vsockPort,
        boolean tcpEnabled,
        Duration interval,
        Duration grace,
        GuestLimits guestLimits,
        SocketAccess ingestSockets,
        Duration firecrackerFlush) {

    public static final Path DEFAULT_REGISTRY = RegistryOptions.DEFAULT_PATH;
    public static final Path DEFAULT_DESCRIPTOR_DIR = Path.of("/etc/vmpulse/vms.d");
    public static final Path DEFAULT_CONTROL_SOCKET = Path.of("/run/vmpulse/control.sock");
    public static final int DEFAULT_SLOTS = 1024;
    public static final int MAX_SLOTS = 65_536;
    public static final Duration DEFAULT_FIRECRACKER_FLUSH =
            HostSampler.Options.defaults().flushInterval();

    /**
     * Firecracker writes a metrics line every 60 s on its own: a longer interval would flush
     * nothing.
     */
    private static final int MAX_FIRECRACKER_FLUSH_MS = 60_000;

    /** How much faster than it samples a guest must be allowed to send. */
    static final double CATCH_UP_FACTOR = 2.0;

    /**
     * Settings for a collector that serves only VMs registered in-process (the demo, tests): a
     * registry, and no descriptor directory, control socket, vsock or TCP listener. Per-VM ingest
     * sockets are mode 0660 in the collector's group, Firecracker VMs are flushed at the default
     * interval.
     */
    public static CollectorSettings registryOnly(
            Path registryPath,
            int slots,
            Duration interval,
            Duration grace,
            GuestLimits guestLimits) {
        return new CollectorSettings(
                registryPath,
                slots,
                null,
                RegistryOptions.DEFAULT_DIRECTORY_MODE,
                Optional.empty(),
                Optional.empty(),
                null,
                0,
                false,
                interval,
                grace,
                guestLimits,
                SocketAccess.OWNER_AND_GROUP,
                DEFAULT_FIRECRACKER_FLUSH);
    }

    /** Thrown for a configuration that cannot be used; the message names the file and field. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }

    public static CollectorSettings load(Path file) throws ConfigException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(json, file.toString());
    }

    /**
     * The settings in {@code json}, a configuration file's text; {@code origin} names it in errors.
     */
    public static CollectorSettings parse(String json, String origin) throws ConfigException {
        CollectorConfig.Builder b = CollectorConfig.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException(origin + ": " + e.getMessage());
        }
        return from(b.build(), origin);
    }

    public static CollectorSettings from(CollectorConfig c, String origin) throws ConfigException {
        int slots = c.getRegistry().getSlots() == 0 ? DEFAULT_SLOTS : c.getRegistry().getSlots();
        if (slots > MAX_SLOTS) {
            throw new ConfigException(
                    origin + ": field registry.slots: " + slots + " is over " + MAX_SLOTS);
        }
        if (c.getVsockPort() == -1) {
            throw new ConfigException(
                    origin + ": field vsock_port: 4294967295 is VMADDR_PORT_ANY, not a port");
        }
        int intervalMs = c.getIntervalMs() == 0 ? 1000 : c.getIntervalMs();
        if (intervalMs < 10 || intervalMs > 3_600_000) {
            throw new ConfigException(
                    origin + ": field interval_ms: " + intervalMs + " is outside 10..3600000");
        }
        int graceMs = c.getGraceMs() == 0 ? 10_000 : c.getGraceMs();
        long flushMs =
                c.getFirecrackerFlushMs() == 0
                        ? DEFAULT_FIRECRACKER_FLUSH.toMillis()
                        : Integer.toUnsignedLong(c.getFirecrackerFlushMs());
        if (flushMs < 10 || flushMs > MAX_FIRECRACKER_FLUSH_MS) {
            throw new ConfigException(
                    origin
                            + ": field firecracker_flush_ms: "
                            + flushMs
                            + " is outside 10.."
                            + MAX_FIRECRACKER_FLUSH_MS
                            + " (Firecracker flushes its metrics every 60 s on its own)");
        }
        GuestLimits limits = limits(c.getGuestLimits(), origin);
        checkRateFitsInterval(limits, intervalMs, origin);
        return new CollectorSettings(
                c.getRegistry().getPath().isEmpty()
                        ? DEFAULT_REGISTRY
                        : path("registry.path", c.getRegistry().getPath(), origin),
                slots,
                c.getRegistry().getGroup().isEmpty() ? null : c.getRegistry().getGroup(),
                directoryMode(c.getRegistry().getDirectoryMode(), origin),
                optionalPath(
                        "descriptor_dir",
                        c.hasDescriptorDir()
                                ? c.getDescriptorDir()
                                : DEFAULT_DESCRIPTOR_DIR.toString(),
                        origin),
                optionalPath(
                        "control_socket",
                        c.hasControlSocket()
                                ? c.getControlSocket()
                                : DEFAULT_CONTROL_SOCKET.toString(),
                        origin),
                c.getControlSocketGroup().isEmpty() ? null : c.getControlSocketGroup(),
                c.getVsockPort(),
                c.getTcpEnabled(),
                Duration.ofMillis(intervalMs),
                Duration.ofMillis(graceMs),
                limits,
                ingestSockets(c.getIngestSockets(), origin),
                Duration.ofMillis(flushMs));
    }

    /** The registry's options as the writer takes them. */
    public RegistryOptions registryOptions() {
        return new RegistryOptions(registryPath, slots, registryGroup, registryDirectoryMode);
    }

    private static int directoryMode(String octal, String origin) throws ConfigException {
        if (octal.isEmpty()) {
            return RegistryOptions.DEFAULT_DIRECTORY_MODE;
        }
        try {
            int mode = Integer.parseInt(octal, 8);
            new RegistryOptions(DEFAULT_REGISTRY, 1, null, mode);
            return mode;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    origin
                            + ": field registry.directory_mode: '"
                            + octal
                            + "': "
                            + (e instanceof NumberFormatException
                                    ? "not an octal mode"
                                    : e.getMessage()));
        }
    }

    /**
     * Every guest samples at {@code interval_ms} and is read at most at {@code
     * guest_limits.samples_per_second}. A guest must be allowed at least twice its sampling rate,
     * or it can never catch up on what it buffered while disconnected, and a limit below the
     * sampling rate itself makes it fall further behind every second (a 20 ms interval with the
     * default 20 samples/s lagged 36 s after a few minutes), silently.
     */
    private static void checkRateFitsInterval(GuestLimits limits, int intervalMs, String origin)
            throws ConfigException {
        double sampling = 1000.0 / intervalMs;
        if (limits.samplesPerSecond() < CATCH_UP_FACTOR * sampling) {
            long neededRate = (long) Math.ceil(CATCH_UP_FACTOR * sampling);
            long neededInterval =
                    (long) Math.ceil(CATCH_UP_FACTOR * 1000.0 / limits.samplesPerSecond());
            throw new ConfigException(
                    origin
                            + ": interval_ms "
                            + intervalMs
                            + " has every guest send "
                            + String.format("%.4g", sampling)
                            + " samples/s, but guest_limits.samples_per_second is "
                            + limits.samplesPerSecond()
                            + ": guests would fall behind. Set guest_limits.samples_per_second to at"
                            + " least "
                            + neededRate
                            + " (twice the sampling rate, to catch up after a reconnect), or"
                            + " interval_ms to at least "
                            + neededInterval);
        }
    }

    private static SocketAccess ingestSockets(IngestSocketsConfig s, String origin)
            throws ConfigException {
        try {
            return SocketAccess.parse(s.getMode().isEmpty() ? "0660" : s.getMode(), s.getGroup());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(origin + ": field ingest_sockets: " + e.getMessage());
        }
    }

    private static GuestLimits limits(GuestLimitsConfig g, String origin) throws ConfigException {
        GuestLimits d = GuestLimits.DEFAULT;
        try {
            return new GuestLimits(
                    g.getMaxMessageBytes() == 0 ? d.maxMessageBytes() : g.getMaxMessageBytes(),
                    g.getMaxCpus() == 0 ? d.maxCpus() : g.getMaxCpus(),
                    g.getMaxFilesystems() == 0 ? d.maxFilesystems() : g.getMaxFilesystems(),
                    g.getMaxStringBytes() == 0 ? d.maxStringBytes() : g.getMaxStringBytes(),
                    g.getSamplesPerSecond() == 0 ? d.samplesPerSecond() : g.getSamplesPerSecond(),
                    g.getBurst() == 0 ? d.burst() : g.getBurst(),
                    d.rejectsBeforeAbuse(),
                    d.minInterval());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(origin + ": field guest_limits: " + e.getMessage());
        }
    }

    private static Optional<Path> optionalPath(String field, String s, String origin)
            throws ConfigException {
        return s.isEmpty() ? Optional.empty() : Optional.of(path(field, s, origin));
    }

    /**
     * A path from the file; one the OS cannot take (a NUL byte) is a configuration error like any
     * other.
     */
    private static Path path(String field, String s, String origin) throws ConfigException {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new ConfigException(
                    origin + ": field " + field + ": not a path: " + e.getReason());
        }
    }
}
