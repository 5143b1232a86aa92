package io.vmpulse.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.vmpulse.proto.v1.Sample;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentMainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return AgentMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "--bogus                        | Unknown option: '--bogus'",
                "--collector http://h:1         | Invalid value for option '--collector': collector URI 'http://h:1' has unknown scheme 'http'",
                "--collector tcp://h            | collector URI 'tcp://h' has no port",
                "--collector vsock://x:7070     | vsock CID 'x' in collector URI 'vsock://x:7070' is not a number",
                "--interval 5                   | '5' has no unit",
                "--interval 1d                  | '1d' has unknown unit 'd'",
                "--interval 5ms                 | --interval 5ms is outside 10ms..1h",
                "--interval 2h                  | --interval 7200000ms is outside 10ms..1h",
                "--buffer 0                     | --buffer 0 is outside 1..1000000",
                "--buffer many                  | Invalid value for option '--buffer': 'many' is not an int",
                "--once                         | --once needs an output format: add --json",
                "--json                         | --json applies only to --once",
                "--interval                     | Missing required parameter for option '--interval' (DURATION)",
                "--buffer=many                  | Invalid value for option '--buffer': 'many' is not an int",
                "extra                          | Unmatched argument at index 0: 'extra'",
                "--once --json --once           | option '--once' should be specified only once",
                "--interval 1s --interval=2s    | option '--interval' should be specified only once",
                "--json=yes                     | option '--json' takes no value: '--json=yes'",
                "-x                             | Unknown option: '-x'",
                "--interval 99999999999999999h  | '99999999999999999h' is too large",
            })
    void bad_arguments_get_a_one_line_error_then_the_usage_and_exit_2(String args, String error) {
        assertEquals(2, run(args.split(" ")));
        String[] lines = err.toString().split("\n");
        assertTrue(lines[0].contains(error), "first line was: " + lines[0]);
        assertTrue(lines[1].startsWith("Usage: vmpulse-agent"), "second line was: " + lines[1]);
        assertEquals("", out.toString());
    }

    @Test
    void help_lists_options_and_exit_codes_and_exits_0() {
        assertEquals(0, run("--help"));
        String help = out.toString();
        for (String expected :
                new String[] {
                    "--collector=URI",
                    "--interval=DURATION",
                    "--buffer=N",
                    "--once",
                    "--json",
                    "Exit codes:",
                    "2   usage error"
                }) {
            assertTrue(help.contains(expected), "help lacks " + expected);
        }
    }

    @Test
    void short_help_and_a_value_after_equals_are_accepted() {
        assertEquals(0, run("-h"));
        assertTrue(out.toString().startsWith("Usage: vmpulse-agent"), out.toString());
        assertEquals(
                0,
                run(
                        "--once",
                        "--json",
                        "--interval=250ms",
                        "--buffer=5",
                        "--collector=unix:///nowhere"),
                err.toString());
        assertTrue(out.toString().contains("\"intervalMs\": 250"), out.toString());
    }

    @Test
    void version_names_the_agent_and_exits_0() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("vmpulse-guest-agent "), out.toString());
    }

    @Test
    void once_json_prints_one_sample_of_this_machine_and_exits_0() throws Exception {
        assertEquals(0, run("--once", "--json", "--interval", "500ms"), err.toString());
        Sample.Builder parsed = Sample.newBuilder();
        JsonFormat.parser().merge(out.toString(), parsed);
        assertEquals(1, parsed.getSeq());
        assertEquals(500, parsed.getIntervalMs());
        long cpuLines =
                Files.readAllLines(Path.of("/proc/stat")).stream()
                        .filter(l -> l.matches("cpu\\d+ .*"))
                        .count();
        assertEquals(cpuLines, parsed.getCpu().getOnlineCpus(), "one per cpuN line of /proc/stat");
        long memTotalKiB =
                Files.readAllLines(Path.of("/proc/meminfo")).stream()
                        .filter(l -> l.startsWith("MemTotal:"))
                        .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
                        .findFirst()
                        .orElseThrow();
        assertEquals(memTotalKiB * 1024, parsed.getMemory().getTotalBytes());
    }
}
