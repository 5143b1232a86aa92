package io.vmpulse.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent's packages follow its data path: {@code sample} (read /proc into snapshots) then {@code
 * wire} (encode) then {@code transport} (HTTP/2, gRPC); {@code report} (loop, ring, backoff) drives
 * the three from above and {@code cli} starts it. A stage imports at most the stage just before it,
 * never one further back and never one after it; nothing imports {@code report} but {@code cli},
 * and nothing imports {@code cli}. Beneath the path, {@code sys} (the JNI library of system calls)
 * imports nothing of the agent and any stage may use it. Read from the import lines of the main
 * sources, so a new package must be placed here before it can be used.
 */
class DataPathImportsTest {

    private static final String ROOT_PACKAGE = "io.vmpulse.agent.";
    private static final Path SOURCES = Path.of("src/main/java/io/vmpulse/agent");

    /** Each package of the agent and the agent packages it may import. */
    private static final Map<String, Set<String>> MAY_IMPORT =
            Map.of(
                    "sys", Set.of(),
                    "sample", Set.of("sys"),
                    "wire", Set.of("sample", "sys"),
                    "transport", Set.of("wire", "sys"),
                    "report", Set.of("sample", "wire", "transport", "sys"),
                    "cli", Set.of("report", "sample", "wire", "transport", "sys"));

    @Test
    void main_sources_import_only_along_the_data_path() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(SOURCES)) {
            for (Path file :
                    (Iterable<Path>) paths.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
                violations.addAll(
                        violations(
                                file.getFileName() + " in " + pkg, pkg, Files.readAllLines(file)));
                files++;
            }
        }
        assertTrue(
                files > 40,
                "found the agent's sources under " + SOURCES.toAbsolutePath() + ": " + files);
        assertEquals(List.of(), violations);
    }

    @Test
    void an_import_back_up_the_path_or_past_a_neighbour_or_from_an_unplaced_package_is_reported() {
        assertEquals(
                List.of("F in sample imports io.vmpulse.agent.wire.SampleBuffer"),
                violations(
                        "F in sample",
                        "sample",
                        List.of("import io.vmpulse.agent.wire.SampleBuffer;")));
        assertEquals(
                List.of("F in transport imports io.vmpulse.agent.sample.GuestReading"),
                violations(
                        "F in transport",
                        "transport",
                        List.of(
                                "import io.vmpulse.agent.wire.SampleBuffer;",
                                "import io.vmpulse.agent.sample.GuestReading;")));
        assertEquals(
                List.of("F in wire imports io.vmpulse.agent.report.SampleRing.SLOT"),
                violations(
                        "F in wire",
                        "wire",
                        List.of("import static io.vmpulse.agent.report.SampleRing.SLOT;")));
        assertEquals(
                List.of("F in util is in no stage of the data path"),
                violations("F in util", "util", List.of("import java.util.List;")));
        assertEquals(
                List.of(),
                violations(
                        "F in report",
                        "report",
                        List.of(
                                "import io.vmpulse.agent.sample.GuestSampler;",
                                "import io.vmpulse.agent.report.Backoff;",
                                "import java.util.List;")));
    }

    private static List<String> violations(String what, String pkg, List<String> lines) {
        Set<String> allowed = MAY_IMPORT.get(pkg);
        if (allowed == null) {
            return List.of(what + " is in no stage of the data path");
        }
        List<String> found = new ArrayList<>();
        for (String line : lines) {
            String l = line.strip();
            if (!l.startsWith("import ")) {
                continue;
            }
            String name =
                    l.substring("import ".length())
                            .replaceFirst("^static\\s+", "")
                            .replace(";", "")
                            .strip();
            if (!name.startsWith(ROOT_PACKAGE)) {
                continue;
            }
            String target =
                    name.substring(ROOT_PACKAGE.length(), name.indexOf('.', ROOT_PACKAGE.length()));
            if (!target.equals(pkg) && !allowed.contains(target)) {
                found.add(what + " imports " + name);
            }
        }
        return found;
    }
}
