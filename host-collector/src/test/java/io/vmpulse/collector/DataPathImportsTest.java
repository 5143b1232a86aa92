package io.vmpulse.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The collector's packages follow the data path one way: a guest sample enters at {@code ingest}
 * while {@code host} reads the host half beside it; both hand to {@code merge}, which hands the
 * record to {@code publish}. A stage imports only stages after it, never one before it, and never
 * the packages that drive it from above ({@code session}, {@code catalog}, {@code control}, {@code
 * cli}). The small utility packages import no other collector package. The registry module imports
 * nothing but the JDK and JNA.
 */
class DataPathImportsTest {

    private static final Path COLLECTOR =
            Tools.ROOT.resolve("host-collector/src/main/java/io/vmpulse/collector");
    private static final Path REGISTRY = Tools.ROOT.resolve("registry/src/main/java");
    private static final Pattern IMPORT =
            Pattern.compile("(?m)^import (?:static )?([\\w.]+?)(?:\\.[A-Z*][\\w*]*)+;");

    /** Position on the data path; a stage may import only positions greater than its own. */
    private static final Map<String, Integer> STAGE =
            Map.of("ingest", 1, "host", 1, "merge", 2, "publish", 3);

    /** Drivers sit above the path and may import any stage; no stage may import them. */
    private static final List<String> DRIVERS = List.of("session", "catalog", "control", "cli");

    private static final List<String> UTILITIES = List.of("socket", "threads", "sys");

    @Test
    void no_collector_package_imports_against_the_data_path() throws IOException {
        List<String> violations = new ArrayList<>();
        forEachImport(
                COLLECTOR,
                (file, from, imported) -> {
                    String to = collectorPackage(imported);
                    if (to == null || to.equals(from)) {
                        return;
                    }
                    boolean ok;
                    if (UTILITIES.contains(from)) {
                        ok = false;
                    } else if (STAGE.containsKey(from)) {
                        ok =
                                UTILITIES.contains(to)
                                        || (STAGE.containsKey(to)
                                                && STAGE.get(to) > STAGE.get(from));
                    } else {
                        ok = DRIVERS.contains(from);
                    }
                    if (!ok) {
                        violations.add(file + ": " + from + " imports " + imported);
                    }
                });
        assertEquals(List.of(), violations);
    }

    @Test
    void every_collector_package_is_placed_on_the_path() throws IOException {
        try (Stream<Path> dirs = Files.list(COLLECTOR)) {
            dirs.filter(Files::isDirectory)
                    .map(d -> d.getFileName().toString())
                    .forEach(
                            p ->
                                    assertTrue(
                                            STAGE.containsKey(p)
                                                    || DRIVERS.contains(p)
                                                    || UTILITIES.contains(p),
                                            "package "
                                                    + p
                                                    + " is neither a stage, a driver nor a utility: place it in this test"));
        }
    }

    @Test
    void the_registry_module_imports_only_the_jdk_and_jna() throws IOException {
        List<String> violations = new ArrayList<>();
        forEachImport(
                REGISTRY,
                (file, from, imported) -> {
                    if (!imported.startsWith("java.")
                            && !imported.startsWith("com.sun.jna")
                            && !imported.startsWith("io.vmpulse.registry")) {
                        violations.add(file + " imports " + imported);
                    }
                });
        assertEquals(List.of(), violations);
    }

    /** The test finds what it checks: a scan that read nothing would pass every rule. */
    @Test
    void the_scan_sees_the_known_imports_of_the_merge_stage() throws IOException {
        List<String> seen = new ArrayList<>();
        forEachImport(
                COLLECTOR,
                (file, from, imported) -> {
                    if (from.equals("merge")) {
                        seen.add(imported);
                    }
                });
        assertTrue(seen.contains("io.vmpulse.registry.layout"), seen.toString());
    }

    private interface ImportVisitor {
        void visit(Path file, String fromPackage, String importedPackage);
    }

    private static void forEachImport(Path root, ImportVisitor v) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f :
                    (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Path rel = root.relativize(f);
                String from = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    v.visit(rel, from, m.group(1));
                }
            }
        }
    }

    /** {@code io.vmpulse.collector.host.vcpu} -> {@code host}; null outside the collector. */
    private static String collectorPackage(String imported) {
        String prefix = "io.vmpulse.collector.";
        if (!imported.startsWith(prefix)) {
            return null;
        }
        String rest = imported.substring(prefix.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
