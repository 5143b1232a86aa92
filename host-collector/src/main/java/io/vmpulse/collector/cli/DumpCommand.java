package io.vmpulse.collector.cli;

import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.RegistryTruncatedException;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "dump",
        mixinStandardHelpOptions = true,
        description = "Print every live slot of the shared-memory registry, every field by name.",
        footer = {
            "",
            "Exit codes: 0 printed; 1 the registry cannot be read (missing, not a vmpulse registry, "
                    + "newer major version); 2 usage error."
        })
final class DumpCommand implements Callable<Integer> {

    @Option(
            names = "--shm",
            paramLabel = "PATH",
            description = "Registry file (default: ${DEFAULT-VALUE}).")
    Path shm = CollectorMain.DEFAULT_SHM;

    @Option(names = "--json", description = "One JSON object per live slot, one per line.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (RegistryReader r = RegistryReader.open(shm)) {
            SlotSnapshot scratch = r.newSnapshot();
            StringBuilder line = new StringBuilder(8192);
            r.forEachLive(
                    scratch,
                    s -> {
                        line.setLength(0);
                        if (json) {
                            SlotJson.append(line, r.directory(), s);
                        } else {
                            SlotText.append(line, r.directory().fields(), s);
                        }
                        out.println(line);
                    });
            out.flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine()
                    .getErr()
                    .println("error: " + CollectorMain.describeOpenFailure(shm, e));
            return 1;
        } catch (RegistryTruncatedException e) {
            out.flush();
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
    }
}
