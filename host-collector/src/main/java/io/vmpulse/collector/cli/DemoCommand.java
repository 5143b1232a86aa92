package io.vmpulse.collector.cli;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.session.CollectorDaemon;
import io.vmpulse.collector.session.CollectorSettings;
import io.vmpulse.registry.read.RegistryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the whole chain on this machine, with no hypervisor: collector, agent, exporter and live table.",
            "",
            "Starts a collector with a registry, registers a VM named 'local', starts the guest agent",
            "on this machine as a separate process over a hybrid-vsock Unix socket (as Firecracker",
            "would give it), starts the exporter on that registry (its /metrics URL is printed under",
            "the table), and shows the live table of `top`."
        },
        footer = {
            "",
            "The agent's and the exporter's logs go to <temp dir>/agent.log and exporter.log (printed at the end).",
            "The agent runs through its launcher, vmpulse-agent, with the flags the guest image uses",
            "(no class-data sharing archive), so its footprint is what a VM gets.",
            "",
            "Exit codes: 0 finished; 1 cannot start (agent launcher missing, registry in use); 2 usage error."
        })
final class DemoCommand implements Callable<Integer> {

    static final int DEMO_PORT = 1024;

    @Option(
            names = "--shm",
            paramLabel = "PATH",
            description = "Registry file (default: ${DEFAULT-VALUE}).")
    Path shm = Path.of("/dev/shm/vmpulse-demo");

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Stop after this long, e.g. 30s or 2m (default: run until interrupted).")
    Duration duration;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Sampling interval (default: 1s).")
    Duration interval = Duration.ofSeconds(1);

    @Option(
            names = "--agent",
            paramLabel = "LAUNCHER",
            description =
                    "The guest agent's launcher (default: vmpulse-agent next to this program's jar, "
                            + "as installed and as dist/target/vmpulse/ of a build lays it out).")
    Path agentLauncher;

    @Option(
            names = "--exporter",
            paramLabel = "LAUNCHER",
            description =
                    "The exporter's launcher (default: vmpulse-exporter next to this program's jar; "
                            + "the demo runs without one when there is none).")
    Path exporterLauncher;

    @Option(
            names = "--web.listen-address",
            paramLabel = "HOST:PORT",
            description =
                    "Where the demo's exporter serves /metrics (default: ${DEFAULT-VALUE}, a free port on loopback).")
    String exporterListen = "127.0.0.1:0";

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path launcher = Siblings.launcher("vmpulse-agent", agentLauncher);
        if (!Siblings.isRunnable(launcher)) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "error: no runnable guest agent launcher"
                                    + (launcher == null
                                            ? " next to this program (it runs from classes, not a jar)"
                                            : " at " + launcher)
                                    + "; run the demo from the installed layout (`mvn -DskipTests package` makes dist/target/vmpulse/) "
                                    + "or pass --agent");
            return 1;
        }
        Path exporterPath = Siblings.launcher("vmpulse-exporter", exporterLauncher);
        if (exporterLauncher != null && !Siblings.isRunnable(exporterPath)) {
            spec.commandLine()
                    .getErr()
                    .println("error: no runnable exporter launcher at " + exporterLauncher);
            return 1;
        }
        Path dir = Files.createTempDirectory("vmpulse-demo");
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        shm, 16, interval, Duration.ofSeconds(2), GuestLimits.DEFAULT);
        List<Process> children = new CopyOnWriteArrayList<>();
        // SIGTERM and SIGINT end the JVM without running this method's finally: the hook does.
        Thread stopChildren = new Thread(() -> stopAll(children), "vmpulse-demo-stop-children");
        Runtime.getRuntime().addShutdownHook(stopChildren);
        boolean exporterStarted = false;
        try (CollectorDaemon daemon = CollectorDaemon.start(settings)) {
            Path base = dir.resolve("local.vsock");
            GuestEndpoint.HybridVsock endpoint = new GuestEndpoint.HybridVsock(base, DEMO_PORT);
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    diesWithParent(
                                            List.of(
                                                    launcher.toString(),
                                                    "--collector",
                                                    "unix://" + endpoint.listenPath(),
                                                    "--interval",
                                                    interval.toMillis() + "ms")))
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("agent.log").toFile());
            pb.environment().put("JAVA_HOME", Siblings.javaHome());
            pb.environment().put("VMPULSE_AGENT_CDS", "off"); // as the guest image runs it
            Process agent = pb.start();
            children.add(agent);
            daemon.vms()
                    .register(
                            new Vm(
                                    "local",
                                    HypervisorKind.NONE,
                                    OptionalInt.of((int) agent.pid()),
                                    endpoint,
                                    List.of(),
                                    List.of(),
                                    HostEndpoints.NONE,
                                    false,
                                    Optional.empty()),
                            VmSource.API);
            String footer;
            if (Siblings.isRunnable(exporterPath)) {
                Path log = dir.resolve("exporter.log");
                Process exporter =
                        DemoExporter.start(
                                diesWithParent(
                                        DemoExporter.command(exporterPath, shm, exporterListen)),
                                log);
                children.add(exporter);
                exporterStarted = true;
                footer = "metrics: " + DemoExporter.awaitUrl(exporter, log, Duration.ofSeconds(60));
            } else {
                footer = "metrics: no exporter (no vmpulse-exporter next to this program)";
            }
            long frames = duration == null ? Long.MAX_VALUE : Math.max(1, duration.toSeconds());
            try (RegistryReader reader = RegistryReader.open(shm)) {
                TopCommand.run(
                        reader, spec.commandLine().getOut(), frames, Duration.ofSeconds(1), footer);
            }
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } finally {
            stopAll(children);
            try {
                Runtime.getRuntime().removeShutdownHook(stopChildren);
            } catch (IllegalStateException e) {
                // the JVM is shutting down; the hook runs (has run) anyway
            }
            spec.commandLine()
                    .getOut()
                    .println(
                            "agent log: "
                                    + dir.resolve("agent.log")
                                    + (exporterStarted
                                            ? ", exporter log: " + dir.resolve("exporter.log")
                                            : ""));
        }
    }

    /** The exporter first: it reads the registry the agent's samples go to. */
    private static void stopAll(List<Process> children) {
        for (int i = children.size() - 1; i >= 0; i--) {
            stop(children.get(i));
        }
    }

    private static void stop(Process child) {
        child.destroy();
        try {
            if (!child.waitFor(5, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The agent's command, run through {@code setpriv --pdeathsig KILL} (util-linux): the kernel
     * kills the child (the agent, the exporter) when the demo dies, even by SIGKILL, when no code
     * of the demo runs. The signal follows the thread that started the child, which is the one that
     * runs the demo to its end. Without setpriv the agent is started as it is, and a SIGKILLed demo
     * leaves it running.
     */
    private List<String> diesWithParent(List<String> command) {
        Path setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (setpriv == null) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "warning: setpriv not found (util-linux); if the demo is killed"
                                    + " with SIGKILL, its agent and exporter keep running");
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig", "KILL"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static final List<Path> SETPRIV =
            List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));
}
