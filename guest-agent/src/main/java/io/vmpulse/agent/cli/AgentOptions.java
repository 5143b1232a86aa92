package io.vmpulse.agent.cli;

import io.vmpulse.agent.report.ReportingAgent;
import io.vmpulse.agent.transport.CollectorAddress;

/**
 * The agent's command line, parsed by hand: five options do not need a parsing library, and one
 * (picocli, with the reflection it uses) was a quarter of the classes the agent loaded, in every VM
 * (docs/benchmarks.md, "Guest agent: footprint"). The messages and the help are picocli's, as
 * before. Options take their value as {@code --name=value} or {@code --name value}.
 */
final class AgentOptions {

    static final int MAX_BUFFER = 1_000_000;
    static final long MIN_INTERVAL_MS = ReportingAgent.MIN_INTERVAL_MS;
    static final long MAX_INTERVAL_MS = ReportingAgent.MAX_INTERVAL_MS;
    private static final long MS_PER_HOUR = 3_600_000L;

    static final String USAGE =
            """
            Usage: vmpulse-agent [-hV] [--json] [--once] [--buffer=N] [--collector=URI]
                                 [--interval=DURATION]
            Samples this guest's /proc/stat, /proc/meminfo and filesystems every interval
            and streams them to the vmpulse host collector over gRPC. Samples taken while
            the collector is unreachable are kept (up to --buffer) and sent, oldest first,
            after reconnecting.
                  --collector=URI       Where the collector listens: vsock://CID:PORT (CID
                                          defaults to 2, the host; PORT to 7070), unix:
                                          ///path or tcp://host:port. Default: vsock://2:
                                          7070
                  --interval=DURATION   Sampling interval, e.g. 500ms, 1s, 2m; between 10ms
                                          and 1h. The collector may change it. Default: 1s
                  --buffer=N            Samples kept while the collector is unreachable;
                                          when full the oldest are dropped and counted.
                                          Default: 600
                  --once                Take one sample, print it and exit; needs no
                                          collector.
                  --json                With --once: print the sample as JSON (protobuf
                                          JSON mapping).
              -h, --help                Show this help message and exit.
              -V, --version             Print version information and exit.

            Exit codes:
              0   ok (--once printed a sample; --help; --version)
              1   runtime failure (cannot read /proc, cannot start)
              2   usage error (unknown option, bad value)
            """;

    CollectorAddress collector = CollectorAddress.parse(CollectorAddress.DEFAULT_URI);
    long intervalMs = 1000;
    int buffer = ReportingAgent.DEFAULT_BUFFER;
    boolean once;
    boolean json;
    boolean help;
    boolean version;

    /** A bad command line; the message is the one line shown above the usage. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    static AgentOptions parse(String... args) throws UsageException {
        AgentOptions o = new AgentOptions();
        boolean seenCollector = false;
        boolean seenInterval = false;
        boolean seenBuffer = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String name = eq < 0 ? arg : arg.substring(0, eq);
            switch (name) {
                case "--collector", "--interval", "--buffer" -> {
                    String value;
                    if (eq >= 0) {
                        value = arg.substring(eq + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new UsageException(
                                "Missing required parameter for option '"
                                        + name
                                        + "' ("
                                        + label(name)
                                        + ")");
                    }
                    if (name.equals("--collector")) {
                        seenCollector = once(seenCollector, name);
                        o.collector = collector(value);
                    } else if (name.equals("--interval")) {
                        seenInterval = once(seenInterval, name);
                        o.intervalMs = intervalMs(value);
                    } else {
                        seenBuffer = once(seenBuffer, name);
                        o.buffer = buffer(value);
                    }
                }
                case "--once" -> o.once = flag(o.once, arg, eq);
                case "--json" -> o.json = flag(o.json, arg, eq);
                case "--help" -> o.help = flag(o.help, arg, eq);
                case "--version" -> o.version = flag(o.version, arg, eq);
                default -> {
                    if (arg.length() > 1
                            && arg.charAt(0) == '-'
                            && arg.charAt(1) != '-'
                            && shortFlags(arg, o)) {
                        continue;
                    }
                    if (arg.startsWith("-")) {
                        throw new UsageException("Unknown option: '" + arg + "'");
                    }
                    throw new UsageException(
                            "Unmatched argument at index " + i + ": '" + arg + "'");
                }
            }
        }
        if (!o.help && !o.version) {
            o.validate();
        }
        return o;
    }

    /**
     * {@code -h}, {@code -V} and their clusters ({@code -hV}); false when {@code arg} is anything
     * else.
     */
    private static boolean shortFlags(String arg, AgentOptions o) {
        for (int c = 1; c < arg.length(); c++) {
            if (arg.charAt(c) != 'h' && arg.charAt(c) != 'V') {
                return false;
            }
        }
        for (int c = 1; c < arg.length(); c++) {
            if (arg.charAt(c) == 'h') {
                o.help = true;
            } else {
                o.version = true;
            }
        }
        return true;
    }

    private void validate() throws UsageException {
        if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
            throw new UsageException(
                    "--interval "
                            + intervalMs
                            + "ms is outside "
                            + MIN_INTERVAL_MS
                            + "ms.."
                            + MAX_INTERVAL_MS / MS_PER_HOUR
                            + "h");
        }
        if (buffer < 1 || buffer > MAX_BUFFER) {
            throw new UsageException("--buffer " + buffer + " is outside 1.." + MAX_BUFFER);
        }
        if (once != json) {
            throw new UsageException(
                    once
                            ? "--once needs an output format: add --json"
                            : "--json applies only to --once");
        }
    }

    private static String label(String option) {
        return switch (option) {
            case "--collector" -> "URI";
            case "--interval" -> "DURATION";
            default -> "N";
        };
    }

    private static boolean once(boolean seen, String option) throws UsageException {
        if (seen) {
            throw new UsageException("option '" + option + "' should be specified only once");
        }
        return true;
    }

    private static boolean flag(boolean seen, String arg, int eq) throws UsageException {
        if (eq >= 0) {
            throw new UsageException(
                    "option '" + arg.substring(0, eq) + "' takes no value: '" + arg + "'");
        }
        return once(seen, arg);
    }

    private static CollectorAddress collector(String uri) throws UsageException {
        try {
            return CollectorAddress.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new UsageException("Invalid value for option '--collector': " + e.getMessage());
        }
    }

    private static int buffer(String text) throws UsageException {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "Invalid value for option '--buffer': '" + text + "' is not an int");
        }
    }

    /**
     * A whole number followed by a unit: {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h}; in ms.
     */
    static long intervalMs(String text) throws UsageException {
        String prefix = "Invalid value for option '--interval': ";
        int unitStart = 0;
        while (unitStart < text.length()
                && text.charAt(unitStart) >= '0'
                && text.charAt(unitStart) <= '9') {
            unitStart++;
        }
        String unit = text.substring(unitStart);
        if (unitStart == 0) {
            throw new UsageException(
                    prefix
                            + "'"
                            + text
                            + "' is not a duration: expected a whole number and a unit, "
                            + "e.g. 500ms, 1s, 2m");
        }
        long msPerUnit;
        switch (unit) {
            case "ms" -> msPerUnit = 1;
            case "s" -> msPerUnit = 1000;
            case "m" -> msPerUnit = 60_000;
            case "h" -> msPerUnit = MS_PER_HOUR;
            default ->
                    throw new UsageException(
                            prefix
                                    + "'"
                                    + text
                                    + "' has "
                                    + (unit.isEmpty() ? "no unit" : "unknown unit '" + unit + "'")
                                    + ": use ms, s, m or h, e.g. 500ms, 1s, 2m");
        }
        try {
            return Math.multiplyExact(Long.parseLong(text.substring(0, unitStart)), msPerUnit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageException(prefix + "'" + text + "' is too large");
        }
    }
}
