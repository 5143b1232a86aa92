package io.vmpulse.agent.cli;

import io.vmpulse.agent.report.AgentIdentity;
import io.vmpulse.agent.report.LogLine;
import io.vmpulse.agent.report.ReportingAgent;
import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.sys.Wakeup;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.agent.wire.SampleJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;

/** The {@code vmpulse-agent} command: stream guest samples to the collector, or print one. */
public final class AgentMain {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private AgentMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (AgentOptions.UsageException e) {
            err.println(e.getMessage());
            err.print(AgentOptions.USAGE);
            err.flush();
            return EXIT_USAGE;
        }
        try {
            if (options.help) {
                out.print(AgentOptions.USAGE);
                out.flush();
                return EXIT_OK;
            }
            if (options.version) {
                out.println(AgentIdentity.NAME + " " + AgentIdentity.VERSION);
                return EXIT_OK;
            }
            return options.once ? printOneSample(out, options) : report(options);
        } catch (Exception e) {
            err.println("vmpulse-agent: " + e);
            return EXIT_FAILURE;
        }
    }

    private static int report(AgentOptions options) throws InterruptedException {
        GuestSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
        ReportingAgent agent =
                new ReportingAgent(
                        sampler,
                        options.collector,
                        Duration.ofMillis(options.intervalMs),
                        options.buffer);
        LogLine.info(
                AgentMain.class,
                AgentIdentity.NAME
                        + " "
                        + AgentIdentity.VERSION
                        + " sampling every "
                        + options.intervalMs
                        + " ms, reporting to "
                        + options.collector);
        // The launcher runs the JVM with -Xrs (no Signal Dispatcher thread), so the agent catches
        // SIGTERM, SIGINT and SIGHUP itself: the first one ends agent.run() below, and System.exit
        // then runs this hook, which half-closes the call. The hook also covers any other exit.
        // A class, not a lambda: the agent's first lambda would spin up java.lang.invoke's
        // metafactory and ASM, ~100 classes (docs/benchmarks.md, "Guest agent: footprint").
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread("vmpulse-shutdown") {
                            @Override
                            public void run() {
                                try {
                                    agent.close();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        });
        // Samples on this, the main thread, until a termination signal (or the hook) ends it.
        agent.stopOnTerminationSignal();
        agent.run();
        int signal = Wakeup.caughtSignal();
        // 128 + the signal's number: the exit status the JVM's own handling gave before.
        return signal == 0 ? EXIT_OK : 128 + signal;
    }

    private static int printOneSample(PrintWriter out, AgentOptions options) throws IOException {
        try (GuestSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            SampleBuffer sample = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), (int) options.intervalMs, sample);
            out.println(SampleJson.print(sample));
            out.flush();
        }
        return EXIT_OK;
    }
}
