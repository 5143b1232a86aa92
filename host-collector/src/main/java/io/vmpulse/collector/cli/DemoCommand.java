package io.vmpulse.collector.cli;

import io.vmpulse.collector.session.CollectorDaemon;
import io.vmpulse.collector.session.CollectorSettings;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole chain on this machine, with no hypervisor: collector, agent and live table.",
            "",
            "Starts a collector with a registry, registers a VM named 'local', starts the guest agent",
            "on this machine as a separate process over a hybrid-vsock Unix socket (as Firecracker",
            "would give it), and shows the live table of `top`."},
        footer = {"", "The agent's own log goes to <temp dir>/agent.log (printed at the end).",
            "", "Exit codes: 0 finished; 1 cannot start (agent jar missing, registry in use); 2 usage error."})
final class DemoCommand implements Callable<Integer> {

    static final int DEMO_PORT = 1024;

    @Option(names = "--shm", paramLabel = "PATH", description = "Registry file (default: ${DEFAULT-VALUE}).")
    Path shm = Path.of("/dev/shm/vmpulse-demo");

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after this long, e.g. 30s or 2m (default: run until interrupted).")
    Duration duration;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Sampling interval (default: 1s).")
    Duration interval = Duration.ofSeconds(1);

    @Option(names = "--agent-jar", paramLabel = "JAR",
            description = "The guest agent's runnable jar (default: guest-agent/target/guest-agent.jar "
                    + "next to this build, or $VMPULSE_AGENT_JAR).")
    Path agentJar;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path jar = agentJar != null ? agentJar : defaultAgentJar();
        if (jar == null || !Files.isRegularFile(jar)) {
            spec.commandLine().getErr().println("error: guest agent jar not found" + (jar == null ? "" : " at " + jar)
                    + "; build it with `mvn -DskipTests package` or pass --agent-jar");
            return 1;
        }
        Path dir = Files.createTempDirectory("vmpulse-demo");
        CollectorSettings settings = CollectorSettings.registryOnly(shm, 16,
                interval, Duration.ofSeconds(2), GuestLimits.DEFAULT);
        Process agent = null;
        Thread stopAgent = null;
        try (CollectorDaemon daemon = CollectorDaemon.start(settings)) {
            Path base = dir.resolve("local.vsock");
            GuestEndpoint.HybridVsock endpoint = new GuestEndpoint.HybridVsock(base, DEMO_PORT);
            agent = new ProcessBuilder(diesWithParent(List.of(javaBinary(), "-jar", jar.toString(),
                    "--collector", "unix://" + endpoint.listenPath(), "--interval", interval.toMillis() + "ms")))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("agent.log").toFile())
                    .start();
            // SIGTERM and SIGINT end the JVM without running this method's finally: the hook does.
            Process child = agent;
            stopAgent = new Thread(() -> stop(child), "vmpulse-demo-stop-agent");
            Runtime.getRuntime().addShutdownHook(stopAgent);
            daemon.vms().register(new Vm("local", HypervisorKind.NONE, OptionalInt.of((int) agent.pid()), endpoint,
                    List.of(), List.of(), HostEndpoints.NONE, false, Optional.empty()), VmSource.API);
            long frames = duration == null ? Long.MAX_VALUE : Math.max(1, duration.toSeconds());
            try (RegistryReader reader = RegistryReader.open(shm)) {
                TopCommand.run(reader, spec.commandLine().getOut(), frames, Duration.ofSeconds(1));
            }
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } finally {
            if (agent != null) {
                stop(agent);
                try {
                    Runtime.getRuntime().removeShutdownHook(stopAgent);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down; the hook runs (has run) anyway
                }
            }
            spec.commandLine().getOut().println("agent log: " + dir.resolve("agent.log"));
        }
    }

    private static void stop(Process agent) {
        agent.destroy();
        try {
            if (!agent.waitFor(5, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            agent.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The agent's command, run through {@code setpriv --pdeathsig KILL} (util-linux): the kernel
     * kills the agent when the demo dies, even by SIGKILL, when no code of the demo runs. The
     * signal follows the thread that started the child, which is the one that runs the demo to
     * its end. Without setpriv the agent is started as it is, and a SIGKILLed demo leaves it running.
     */
    private List<String> diesWithParent(List<String> command) {
        Path setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (setpriv == null) {
            spec.commandLine().getErr().println("warning: setpriv not found (util-linux); if the demo is killed"
                    + " with SIGKILL, its agent keeps running");
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig", "KILL"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** guest-agent/target/guest-agent.jar beside host-collector/target/ of this build. */
    private static Path defaultAgentJar() {
        String env = System.getenv("VMPULSE_AGENT_JAR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        try {
            Path self = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // .../host-collector/target/host-collector.jar or .../host-collector/target/classes
            return self.getParent().getParent().getParent().resolve("guest-agent/target/guest-agent.jar");
        } catch (Exception e) {
            return null;
        }
    }
}
