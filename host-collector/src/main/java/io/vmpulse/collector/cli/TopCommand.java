package io.vmpulse.collector.cli;

import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.RegistryTruncatedException;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "top",
        mixinStandardHelpOptions = true,
        description = "A live table of every VM in the registry, refreshed every second.",
        footer = {
            "",
            "Columns: guest CPU busy %, host vCPU % (100 = one busy vCPU), guest memory used/total,",
            "fullest guest filesystem %, disk and network rates (network from the guest's point of view),",
            "and the age of the last guest sample ('!' = stale, no sample for 3 intervals).",
            "",
            "A registry deleted or replaced under it is reopened (the last frame stays until then);",
            "one truncated under it ends it with exit 1.",
            "",
            "Exit codes: 0 stopped; 1 the registry cannot be read; 2 usage error."
        })
final class TopCommand implements Callable<Integer> {

    @Option(
            names = "--shm",
            paramLabel = "PATH",
            description = "Registry file (default: ${DEFAULT-VALUE}).")
    Path shm = CollectorMain.DEFAULT_SHM;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            description = "Stop after N frames (default: run until interrupted).")
    long iterations = Long.MAX_VALUE;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        try (RegistryReader r = RegistryReader.open(shm)) {
            return run(r, spec.commandLine().getOut(), iterations, Duration.ofSeconds(1), "");
        } catch (RegistryTruncatedException e) {
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            spec.commandLine()
                    .getErr()
                    .println("error: " + CollectorMain.describeOpenFailure(shm, e));
            return 1;
        }
    }

    /**
     * Draws frames until {@code frames} are shown or the thread is interrupted, each ending with
     * {@code footer} (nothing when empty).
     */
    static int run(RegistryReader r, PrintWriter out, long frames, Duration every, String footer)
            throws InterruptedException {
        SlotSnapshot scratch = r.newSnapshot();
        for (long i = 0; i < frames; i++) {
            if (i > 0) {
                Thread.sleep(every.toMillis());
            }
            if (r.isStale()) {
                try {
                    r.reopenIfReplaced();
                } catch (IOException e) {
                    out.println("registry was replaced and cannot be reopened: " + e.getMessage());
                }
            }
            out.print("\033[H\033[2J");
            out.println("vmpulse top  " + r.path() + "  writer pid " + r.writerPid());
            out.print(TopView.render(r, scratch, System.currentTimeMillis() * 1_000_000L));
            if (!footer.isEmpty()) {
                out.println(footer);
            }
            out.flush();
        }
        return 0;
    }
}
