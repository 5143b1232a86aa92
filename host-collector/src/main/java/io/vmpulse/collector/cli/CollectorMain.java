package io.vmpulse.collector.cli;

import io.vmpulse.registry.layout.RegistryLayout;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code host-collector}: the collector daemon and the tools that read its registry. */
@Command(
        name = "host-collector",
        mixinStandardHelpOptions = true,
        versionProvider = CollectorMain.Version.class,
        description =
                "vmpulse host collector: one unified, always-fresh metrics record per microVM, "
                        + "published in a shared-memory registry.",
        subcommands = {
            DemoCommand.class,
            ServeCommand.class,
            DumpCommand.class,
            TopCommand.class,
            VmCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 success; 1 runtime failure; 2 usage error; 3 bad configuration "
                    + "(serve) or collector unreachable (vm)."
        })
public final class CollectorMain implements Runnable {

    static final Path DEFAULT_SHM = Path.of(RegistryLayout.DEFAULT_PATH);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /**
     * Netty's leak detector records a stack trace for one buffer in 128: at a thousand samples a
     * second that showed in the collector's profile (about half a per cent of its CPU) guarding
     * code that is not ours. Still switchable with -D for debugging.
     */
    static final String LEAK_DETECTION_PROPERTY =
            "io.grpc.netty.shaded.io.netty.leakDetection.level";

    public static void main(String[] args) {
        System.setProperty(
                "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n");
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
            System.setProperty(LEAK_DETECTION_PROPERTY, "disabled");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new CollectorMain())
                .setParameterExceptionHandler(
                        (ex, args) -> {
                            CommandLine cmd = ex.getCommandLine();
                            cmd.getErr().println("error: " + ex.getMessage());
                            cmd.usage(cmd.getErr());
                            return 2;
                        });
    }

    /** A registry that cannot be opened, said the way an operator needs to hear it. */
    static String describeOpenFailure(Path registry, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no registry at "
                    + registry
                    + "; is the collector running? (--shm sets the path)";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot read "
                    + registry
                    + ": permission denied (the registry is readable by its owner and group)";
        }
        return e.getMessage();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CollectorMain.class.getPackage().getImplementationVersion();
            return new String[] {"host-collector " + (v == null ? "(development build)" : v)};
        }
    }
}
