package io.vmpulse.agent.cli;

import io.vmpulse.agent.report.AgentIdentity;
import io.vmpulse.agent.report.ReportingAgent;
import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.agent.wire.SampleJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Handler;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code vmpulse-agent} command: stream guest samples to the collector, or print one. */
@Command(name = "vmpulse-agent", mixinStandardHelpOptions = true, versionProvider = AgentMain.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Samples this guest's /proc/stat, /proc/meminfo and filesystems every interval and "
                + "streams them to the vmpulse host collector over gRPC. Samples taken while the collector is "
                + "unreachable are kept (up to --buffer) and sent, oldest first, after reconnecting.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok (--once printed a sample; --help; --version)",
            "1:runtime failure (cannot read /proc, cannot start)",
            "2:usage error (unknown option, bad value)",
        })
public final class AgentMain implements Callable<Integer> {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int MAX_BUFFER = 1_000_000;

    private static final String JNA_SEARCH_PATH_PROPERTY = "jna.platform.library.path";
    private static final String LOG_CONFIG_PROPERTY = "java.util.logging.config.file";

    @Spec
    CommandSpec spec;

    @Option(names = "--collector", paramLabel = "URI", defaultValue = CollectorAddress.DEFAULT_URI,
            converter = CollectorAddressConverter.class,
            description = "Where the collector listens: vsock://CID:PORT (CID defaults to 2, the host; "
                    + "PORT to 7070), unix:///path or tcp://host:port. Default: ${DEFAULT-VALUE}")
    CollectorAddress collector;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Sampling interval, e.g. 500ms, 1s, 2m; between 10ms and 1h. "
                    + "The collector may change it. Default: ${DEFAULT-VALUE}")
    Duration interval;

    @Option(names = "--buffer", paramLabel = "N", defaultValue = "" + ReportingAgent.DEFAULT_BUFFER,
            description = "Samples kept while the collector is unreachable; when full the oldest are "
                    + "dropped and counted. Default: ${DEFAULT-VALUE}")
    int buffer;

    @Option(names = "--once", description = "Take one sample, print it and exit; needs no collector.")
    boolean once;

    @Option(names = "--json", description = "With --once: print the sample as JSON (protobuf JSON mapping).")
    boolean json;

    public static void main(String[] args) {
        // Without a search path of its own, JNA builds one from `ldconfig -p`, run in a child
        // process: a fork of the JVM and a reaper thread that stays for the agent's lifetime. The
        // agent loads only libc, by soname (Libc, VsockLibc), which the dynamic linker finds itself.
        if (System.getProperty(JNA_SEARCH_PATH_PROPERTY) == null) {
            System.setProperty(JNA_SEARCH_PATH_PROPERTY, "");
        }
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new AgentMain()).setOut(out).setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("vmpulse-agent: " + e);
            return EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        if (once) {
            return printOneSample();
        }
        configureLogging();
        GuestSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
        ReportingAgent agent = new ReportingAgent(sampler, collector, interval, buffer).start();
        Logger.getLogger(AgentMain.class.getName()).info(AgentIdentity.NAME + " " + AgentIdentity.VERSION
                + " sampling every " + interval.toMillis() + " ms, reporting to " + collector);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }, "vmpulse-shutdown"));
        stopped.await();
        return EXIT_OK;
    }

    private void validate() {
        if (interval.compareTo(ReportingAgent.MIN_INTERVAL) < 0 || interval.compareTo(ReportingAgent.MAX_INTERVAL) > 0) {
            throw new ParameterException(spec.commandLine(), "--interval " + interval.toMillis()
                    + "ms is outside " + ReportingAgent.MIN_INTERVAL.toMillis() + "ms.."
                    + ReportingAgent.MAX_INTERVAL.toHours() + "h");
        }
        if (buffer < 1 || buffer > MAX_BUFFER) {
            throw new ParameterException(spec.commandLine(), "--buffer " + buffer + " is outside 1.." + MAX_BUFFER);
        }
        if (once != json) {
            throw new ParameterException(spec.commandLine(), once
                    ? "--once needs an output format: add --json"
                    : "--json applies only to --once");
        }
    }

    private int printOneSample() throws Exception {
        try (GuestSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            SampleBuffer sample = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), (int) interval.toMillis(), sample);
            PrintWriter out = spec.commandLine().getOut();
            out.println(SampleJson.print(sample));
            out.flush();
        }
        return EXIT_OK;
    }

    /** One line a record (LogLine), unless the operator gave a logging configuration of their own. */
    private static void configureLogging() {
        if (System.getProperty(LOG_CONFIG_PROPERTY) == null) {
            for (Handler h : Logger.getLogger("").getHandlers()) {
                h.setFormatter(new LogLine());
            }
        }
    }

    static final class CollectorAddressConverter implements CommandLine.ITypeConverter<CollectorAddress> {
        @Override
        public CollectorAddress convert(String uri) {
            try {
                return CollectorAddress.parse(uri);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {AgentIdentity.NAME + " " + AgentIdentity.VERSION};
        }
    }
}
