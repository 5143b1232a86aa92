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
import java.util.List;
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
        try (CollectorDaemon daemon = CollectorDaemon.start(settings)) {
            Path base = dir.resolve("local.vsock");
            GuestEndpoint.HybridVsock endpoint = new GuestEndpoint.HybridVsock(base, DEMO_PORT);
            agent = new ProcessBuilder(javaBinary(), "-jar", jar.toString(),
                    "--collector", "unix://" + endpoint.listenPath(), "--interval", interval.toMillis() + "ms")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("agent.log").toFile())
                    .start();
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
                agent.destroy();
                agent.waitFor();
            }
            spec.commandLine().getOut().println("agent log: " + dir.resolve("agent.log"));
        }
    }

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
