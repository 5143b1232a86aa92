package io.vmpulse.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data sharing life cycle, run for real: the script from {@code src/main/dist}
 * starts a JVM on a stand-in jar whose program says whether the archive is mapped into it (from
 * {@code /proc/self/maps}), so each assertion is about what the JVM actually did.
 */
class LauncherClassDataSharingTest {

    private static final Path LAUNCHER = Path.of("src/main/dist/vmpulse-agent");
    private static final String PROGRAM =
            """
            import java.nio.file.*;
            public class Probe {
                public static void main(String[] args) throws Exception {
                    String archive = System.getenv("PROBE_ARCHIVE");
                    boolean mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                            .anyMatch(l -> l.endsWith(" " + archive));
                    // Load a few more classes, as an agent would, so the class list has some.
                    java.util.concurrent.ConcurrentHashMap<String, Integer> m = new java.util.concurrent.ConcurrentHashMap<>();
                    m.put("x", java.util.List.of(1, 2).size());
                    System.out.println(mapped ? "mapped" : "unmapped");
                }
            }
            """;

    @TempDir Path dir;
    private Path jar;
    private Path archive;
    private Path classList;

    @BeforeEach
    void buildProbeJar() throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("Probe.java"), PROGRAM);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(
                0,
                javac.run(
                        null,
                        null,
                        null,
                        "-d",
                        src.toString(),
                        src.resolve("Probe.java").toString()));
        jar = dir.resolve("guest-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Probe");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry("Probe.class"));
            out.write(Files.readAllBytes(src.resolve("Probe.class")));
            out.closeEntry();
        }
        archive = dir.resolve("guest-agent.jsa");
        classList = dir.resolve("guest-agent.classlist");
    }

    private String launch(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of("sh", LAUNCHER.toString())));
        pb.command().addAll(List.of(args));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("VMPULSE_AGENT_JAR", jar.toString());
        pb.environment().put("PROBE_ARCHIVE", archive.toString());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private String launch(String... args) throws Exception {
        return launch(Map.of(), args);
    }

    @Test
    void first_run_lists_its_classes_second_start_makes_the_archive_and_maps_it() throws Exception {
        assertEquals("unmapped", launch());
        assertTrue(Files.size(classList) > 0, "no class list recorded");
        assertTrue(
                Files.readString(classList).contains("Probe"),
                "the program's own class is not listed");
        assertFalse(Files.exists(archive));

        assertEquals("mapped", launch());
        assertTrue(Files.size(archive) > 0);
        FileTime made = Files.getLastModifiedTime(archive);

        assertEquals("mapped", launch());
        assertEquals(
                made,
                Files.getLastModifiedTime(archive),
                "archive made again although nothing changed");
    }

    @Test
    void a_jar_newer_than_the_archive_makes_the_launcher_start_over() throws Exception {
        launch();
        assertEquals("mapped", launch());
        // As if the jar had been rebuilt after the archive was made.
        Files.setLastModifiedTime(
                archive,
                FileTime.from(Files.getLastModifiedTime(jar).toInstant().minusSeconds(60)));

        assertEquals("unmapped", launch(), "a stale archive was mapped");
        assertFalse(Files.exists(archive));
        assertTrue(Files.size(classList) > 0, "no new class list recorded");
        assertEquals("mapped", launch());
    }

    @Test
    void one_shot_commands_never_record() throws Exception {
        for (String arg : new String[] {"--once", "--help", "--version", "-V"}) {
            assertEquals("unmapped", launch(arg));
        }
        assertFalse(Files.exists(classList));
        assertFalse(Files.exists(archive));
    }

    @Test
    void off_and_an_unwritable_place_leave_no_files_and_the_agent_runs() throws Exception {
        assertEquals("unmapped", launch(Map.of("VMPULSE_AGENT_CDS", "off")));
        assertFalse(Files.exists(classList));
        assertFalse(Files.exists(dir.resolve("off")));

        Path nowhere = dir.resolve("missing-dir/agent.jsa");
        assertEquals("unmapped", launch(Map.of("VMPULSE_AGENT_CDS", nowhere.toString())));
        assertFalse(Files.exists(nowhere.getParent()));
    }

    @Test
    void a_failed_dump_leaves_an_empty_marker_is_not_retried_and_the_agent_runs() throws Exception {
        // A class list the dump cannot read: a directory passes the launcher's "non-empty" test.
        Files.createDirectories(classList);
        Files.writeString(classList.resolve("x"), "x");

        assertEquals("unmapped", launch());
        assertEquals(0, Files.size(archive), "no empty marker after the failed dump");
        FileTime marked = Files.getLastModifiedTime(archive);
        assertEquals("unmapped", launch());
        assertEquals(marked, Files.getLastModifiedTime(archive), "the failed dump was tried again");
    }

    @Test
    void a_corrupt_archive_is_ignored() throws Exception {
        try (OutputStream out = Files.newOutputStream(archive)) {
            out.write("not an archive".getBytes(StandardCharsets.UTF_8));
        }
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().plusSeconds(60)));
        assertEquals("unmapped", launch());
    }
}
