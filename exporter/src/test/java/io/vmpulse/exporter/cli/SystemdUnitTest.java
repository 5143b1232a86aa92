package io.vmpulse.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped unit: systemd parses it without a warning, it runs unprivileged with no way to gain
 * privileges and a read-only file system, and it reads the very registry the collector's shipped
 * configuration writes, as a member of the group that configuration gives the file.
 */
@Timeout(60)
class SystemdUnitTest {

    private static final Path ROOT = root();
    private static final Path UNIT =
            ROOT.resolve("exporter/src/main/dist/vmpulse-exporter.service");

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.exists(p.resolve("exporter/src/main/dist"))) {
            p = p.getParent();
        }
        return p;
    }

    private static Map<String, String> settings() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        String joined = Files.readString(UNIT).replace("\\\n", " ");
        for (String line : joined.split("\n")) {
            if (!line.startsWith("#") && line.contains("=")) {
                String[] kv = line.split("=", 2);
                out.put(kv[0].trim(), kv[1].trim());
            }
        }
        return out;
    }

    @Test
    void systemd_accepts_the_unit_without_a_warning() throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "systemd-analyze is not installed");
        Process p =
                new ProcessBuilder("systemd-analyze", "verify", UNIT.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out);
    }

    @Test
    void the_unit_runs_unprivileged_without_capabilities_on_a_read_only_system() throws Exception {
        Map<String, String> s = settings();
        assertTrue(
                "yes".equals(s.get("DynamicUser"))
                        || (s.containsKey("User") && !s.get("User").equals("root")),
                "an unprivileged user");
        assertEquals("yes", s.get("NoNewPrivileges"));
        assertEquals(
                "", s.get("CapabilityBoundingSet"), "an empty bounding set: no capability at all");
        assertEquals("", s.getOrDefault("AmbientCapabilities", ""));
        assertEquals("strict", s.get("ProtectSystem"));
        assertFalse(s.containsKey("ReadWritePaths"), "nothing writable");
        assertFalse(s.containsKey("Group") && s.get("Group").equals("root"));
    }

    @Test
    void the_unit_reads_the_registry_the_collector_writes_as_a_member_of_its_group()
            throws Exception {
        JsonObject collector =
                JsonParser.parseString(
                                Files.readString(
                                        ROOT.resolve(
                                                "host-collector/src/main/dist/collector.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("registry");
        Map<String, String> s = settings();
        String exec = s.get("ExecStart");
        assertTrue(exec.contains("--registry " + collector.get("path").getAsString() + " "), exec);
        assertEquals(collector.get("group").getAsString(), s.get("SupplementaryGroups"));
        assertTrue(exec.contains("--web.listen-address :" + ExporterMain.DEFAULT_PORT), exec);
    }
}
