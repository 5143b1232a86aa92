package io.vmpulse.exporter.cli;

import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.otlp.OtlpPusher;
import io.vmpulse.exporter.otlp.OtlpSettings;
import io.vmpulse.exporter.web.ExporterServer;
import io.vmpulse.exporter.web.InvalidWebConfigException;
import io.vmpulse.exporter.web.WebConfig;
import io.vmpulse.registry.layout.RegistryLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmpulse-exporter}: serves the registry to Prometheus until SIGTERM (then the JVM exits
 * with 143). Exit codes: 0 --help/--version, 1 could not serve (the address is taken), 2 bad usage
 * or configuration.
 */
@Command(
        name = "vmpulse-exporter",
        mixinStandardHelpOptions = true,
        versionProvider = ExporterMain.Version.class,
        description =
                "Serves the per-VM records of the vmpulse registry to Prometheus (text, OpenMetrics, protobuf).",
        sortOptions = false)
public final class ExporterMain implements Callable<Integer> {

    /** The collector's default registry path, which every reader shares. */
    public static final Path DEFAULT_REGISTRY = Path.of(RegistryLayout.DEFAULT_PATH);

    /**
     * vmpulse-exporter's port: in the 9100-9999 range Prometheus keeps for exporters, and not in
     * the default port allocations list as far as it could be checked (docs/metrics.md).
     */
    public static final int DEFAULT_PORT = 9847;

    @Option(
            names = "--registry",
            paramLabel = "PATH",
            description = "The collector's registry file (default: ${DEFAULT-VALUE}).")
    Path registry = DEFAULT_REGISTRY;

    @Option(
            names = "--web.listen-address",
            paramLabel = "[HOST]:PORT",
            description = "Where to serve (default: ${DEFAULT-VALUE}, every interface).")
    String listen = ":" + DEFAULT_PORT;

    @Option(
            names = "--web.config.file",
            paramLabel = "FILE",
            description =
                    "TLS and basic auth, in the web config format of node_exporter (tls_server_config, basic_auth_users).")
    Path webConfig;

    @Option(
            names = "--collector.stale-after",
            paramLabel = "DURATION",
            description =
                    "A collector heartbeat (or VM host reading) older than this is not fresh: /-/ready fails, vmpulse_vm_up is 0 (default: ${DEFAULT-VALUE}, the ABI's writer-dead limit).")
    String staleAfter = RegistryLayout.WRITER_DEAD_AFTER_MS + "ms";

    @Option(
            names = "--vm.labels-allowlist",
            paramLabel = "KEY[,KEY...]",
            split = ",",
            description =
                    "Descriptor label keys that vmpulse_vm_labels exports, to bound cardinality; * for all (default: *).")
    String[] labelsAllowlist = {"*"};

    @Option(
            names = "--otlp.endpoint",
            paramLabel = "URL",
            description =
                    "Also push every VM to this OTLP receiver (http/protobuf); /v1/metrics is appended to a URL without a path (docs/otlp.md).")
    java.net.URI otlpEndpoint;

    @Option(
            names = "--otlp.interval",
            paramLabel = "DURATION",
            description = "Time between OTLP pushes (default: ${DEFAULT-VALUE}).")
    String otlpInterval = "30s";

    @Option(
            names = "--otlp.header",
            paramLabel = "KEY=VALUE",
            description = "A header for every OTLP request (repeatable), e.g. an API key.")
    java.util.Map<String, String> otlpHeaders = new java.util.LinkedHashMap<>();

    @Option(
            names = "--otlp.compression",
            paramLabel = "gzip|none",
            description = "OTLP request compression (default: ${DEFAULT-VALUE}).")
    String otlpCompression = "gzip";

    private PrintWriter out = new PrintWriter(System.out, true);
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile ExporterServer server;
    private volatile OtlpPusher pusher;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new ExporterMain());
        cl.setParameterExceptionHandler(
                (e, a) -> {
                    e.getCommandLine()
                            .getErr()
                            .println("vmpulse-exporter: " + e.getMessage() + " (see --help)");
                    return 2;
                });
        cl.setExecutionExceptionHandler(
                (e, c, p) -> {
                    c.getErr().println("vmpulse-exporter: " + e.getMessage());
                    return 1;
                });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        ExportOptions options;
        InetSocketAddress address;
        WebConfig web;
        OtlpSettings otlp = null;
        try {
            if (otlpEndpoint != null) {
                otlp =
                        OtlpSettings.of(otlpEndpoint, duration(otlpInterval))
                                .withHeaders(otlpHeaders)
                                .withCompression(otlpCompression);
            }
            options = new ExportOptions(duration(staleAfter), allowlist(labelsAllowlist));
            address = ListenAddress.parse(listen);
            web = webConfig == null ? WebConfig.none() : WebConfig.load(webConfig);
        } catch (IllegalArgumentException | InvalidWebConfigException e) {
            System.err.println("vmpulse-exporter: " + e.getMessage());
            return 2;
        }
        try {
            server = Exporter.start(registry, address, webConfig, web, options);
        } catch (InvalidWebConfigException e) {
            System.err.println("vmpulse-exporter: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println(
                    "vmpulse-exporter: cannot listen on " + listen + ": " + e.getMessage());
            return 1;
        }
        if (otlp != null) {
            // Pushes from a thread of its own; a receiver that is down never reaches /metrics.
            pusher = new OtlpPusher(registry, otlp).start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "vmpulse-exporter-stop"));
        InetSocketAddress bound = server.address();
        out.println(
                "vmpulse-exporter "
                        + Version.get()
                        + ": serving "
                        + (web.tls() ? "https" : "http")
                        + "://"
                        + hostForUrl(bound)
                        + ":"
                        + bound.getPort()
                        + "/metrics from registry "
                        + registry);
        stop.await();
        return 0;
    }

    private void shutdown() {
        OtlpPusher p = pusher;
        if (p != null) {
            p.close();
        }
        ExporterServer s = server;
        if (s != null) {
            s.close();
        }
        stop.countDown();
    }

    private static String hostForUrl(InetSocketAddress a) {
        if (a.getAddress().isAnyLocalAddress()) {
            return "localhost";
        }
        String h = a.getAddress().getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    private static Set<String> allowlist(String[] keys) {
        Set<String> set = new LinkedHashSet<>(Arrays.asList(keys));
        return set.contains("*") ? null : set;
    }

    /** 250ms, 5s, 2m, or a bare number of seconds. */
    static Duration duration(String s) {
        String t = s.trim();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(
                        Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "'" + s + "' is not a duration (e.g. 500ms, 5s, 2m)");
        }
    }

    /** The jar's Implementation-Version. */
    static final class Version implements CommandLine.IVersionProvider {
        static String get() {
            String v = ExporterMain.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        @Override
        public String[] getVersion() {
            return new String[] {"vmpulse-exporter " + get()};
        }
    }
}
