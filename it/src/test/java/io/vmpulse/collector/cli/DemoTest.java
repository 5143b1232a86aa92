package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.TestJson;
import io.vmpulse.collector.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command as a user runs it: the demo from the installed layout. */
@Timeout(120)
class DemoTest {

    static final Path INSTALL = Tools.ROOT.resolve("dist/target/vmpulse");

    @TempDir Path dir;

    @Test
    void
            demo_runs_the_installed_agent_and_shows_the_local_vm_with_guest_figures_then_dump_reads_it()
                    throws Exception {
        Path shm = dir.resolve("registry");
        Tools.Result demo =
                Tools.run(
                        List.of(
                                INSTALL.resolve("vmpulse-collector").toString(),
                                "demo",
                                "--duration",
                                "12s",
                                "--interval",
                                "250ms",
                                "--shm",
                                shm.toString()),
                        60);
        assertEquals(0, demo.exit(), demo.stderr());
        String lastFrame = demo.stdout().substring(demo.stdout().lastIndexOf(TopView.HEADER));
        Matcher row = Pattern.compile("(?m)^local\\s+(\\d+\\.\\d)\\s").matcher(lastFrame);
        assertTrue(row.find(), "a 'local' row with a guest CPU figure in:\n" + lastFrame);
        // The exporter beside it served the registry; monitoring/'s DashboardAgainstDemoTest
        // scrapes it live.
        assertTrue(
                Pattern.compile("(?m)^metrics: http://127\\.0\\.0\\.1:\\d+/metrics$")
                        .matcher(lastFrame)
                        .find(),
                "the exporter's /metrics URL under the table:\n" + lastFrame);

        Tools.Result dump =
                Tools.run(
                        List.of(
                                INSTALL.resolve("vmpulse-collector").toString(),
                                "dump",
                                "--json",
                                "--shm",
                                shm.toString()),
                        30);
        assertEquals(0, dump.exit(), dump.stderr());
        String[] lines = dump.stdout().strip().split("\n");
        assertEquals(1, lines.length, dump.stdout());
        @SuppressWarnings("unchecked")
        Map<String, Object> slot = (Map<String, Object>) TestJson.parse(lines[0]);
        assertEquals("local", slot.get("vm_id"));
        assertEquals("final", slot.get("state"), "the demo ends with the VM's final sample");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) slot.get("fields");
        assertTrue(
                ((Number) fields.get("guest_seq")).longValue() >= 4,
                "samples arrived: " + fields.get("guest_seq"));
    }

    @Test
    void demo_without_an_agent_launcher_says_where_it_looked_and_exits_1() throws Exception {
        Tools.Result demo =
                Tools.run(
                        List.of(
                                INSTALL.resolve("vmpulse-collector").toString(),
                                "demo",
                                "--duration",
                                "1s",
                                "--agent",
                                dir.resolve("missing").toString(),
                                "--shm",
                                dir.resolve("registry").toString()),
                        60);
        assertEquals(1, demo.exit(), demo.stdout());
        assertTrue(
                demo.stderr()
                        .contains("no runnable guest agent launcher at " + dir.resolve("missing")),
                demo.stderr());
    }
}
