package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The `host-collector` command line as an operator meets it: dump, top, serve's errors (the demo:
 * it/DemoTest).
 */
@Timeout(120)
class CollectorCliTest {

    @TempDir Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = CollectorMain.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void dump_of_a_missing_registry_says_what_to_check_and_exits_1() {
        Run r = run("dump", "--shm", dir.resolve("nothing").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no registry at " + dir.resolve("nothing")), r.err());
        assertTrue(r.err().contains("is the collector running?"), r.err());
    }

    @Test
    void top_of_a_file_that_is_not_a_registry_exits_1() throws Exception {
        Path junk =
                Files.writeString(
                        dir.resolve("junk"),
                        "not a registry, just text that is long enough".repeat(100));
        Run r = run("top", "--iterations", "1", "--shm", junk.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: "), r.err());
    }

    @Test
    void serve_with_a_misspelt_field_names_the_file_and_field_and_exits_3() throws Exception {
        Path config =
                Files.writeString(dir.resolve("collector.json"), "{\"registry\": {\"slotz\": 4}}");
        Run r = run("serve", "--config", config.toString());
        assertEquals(3, r.exit());
        assertTrue(r.err().contains(config.toString()) && r.err().contains("slotz"), r.err());
    }

    @Test
    void serve_with_out_of_range_interval_is_a_configuration_error() throws Exception {
        Path config = Files.writeString(dir.resolve("collector.json"), "{\"intervalMs\": 5}");
        Run r = run("serve", "--config", config.toString());
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("interval_ms"), r.err());
    }

    @Test
    void unknown_option_prints_the_usage_and_exits_2() {
        Run r = run("dump", "--bogus");
        assertEquals(2, r.exit());
        assertTrue(
                r.err().contains("Unknown option: '--bogus'")
                        && r.err().contains("Usage: host-collector dump"),
                r.err());
    }

    @Test
    void bad_duration_is_explained() {
        Run r = run("demo", "--duration", "soon");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("'soon' is not a duration"), r.err());
    }
}
