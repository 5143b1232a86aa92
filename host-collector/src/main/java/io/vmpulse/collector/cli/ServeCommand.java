package io.vmpulse.collector.cli;

import io.vmpulse.collector.publish.RegistryInUseException;
import io.vmpulse.collector.session.CollectorDaemon;
import io.vmpulse.collector.session.CollectorSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Run the collector as a daemon: ingest every registered VM's guest agent, read its "
                        + "host side, and publish one record per VM into the shared-memory registry.",
        footer = {
            "",
            "The configuration file is JSON; {} gives every default. See docs/operations.md.",
            "",
            "Exit codes: 0 stopped by a signal; 1 cannot start (registry in use, socket busy, ...);",
            "2 usage error; 3 bad configuration file (the message names the file and field)."
        })
final class ServeCommand implements Callable<Integer> {

    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "Configuration file (JSON).")
    Path config;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        CollectorSettings settings;
        try {
            settings = CollectorSettings.load(config);
        } catch (CollectorSettings.ConfigException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 3;
        }
        CollectorDaemon daemon;
        try {
            daemon = CollectorDaemon.start(settings);
        } catch (RegistryInUseException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: cannot start: " + e.getMessage());
            return 1;
        }
        CompletableFuture<String> stopped = new CompletableFuture<>();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    daemon.close();
                                    stopped.complete(null);
                                },
                                "vmpulse-shutdown"));
        // Whichever comes first: a signal, or the data path failing (its heartbeat already
        // stopped).
        String failure = stopped.applyToEither(daemon.collector().failure(), f -> f).join();
        if (failure != null) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "error: "
                                    + failure
                                    + "; exiting so that a restart rebuilds the registry");
            return 1;
        }
        return 0;
    }
}
