package io.vmpulse.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.exporter.testing.Exposition;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.Scrapes;
import io.vmpulse.exporter.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/metrics.md against what the exporter emits for a registry where every group is present, in
 * both directions: every documented family is emitted with the documented type and labels, and
 * every emitted family is documented.
 */
class MetricsDocTest {

    private static final Pattern ROW =
            Pattern.compile("^\\|\\s*`(vmpulse_[a-z_]+)`\\s*\\|([^|]+)\\|([^|]*)\\|([^|]*)\\|");

    private record Documented(String type, String unit, Set<String> labels) {}

    @TempDir Path dir;

    static Path doc() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs/metrics.md"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError(
                    "docs/metrics.md not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("docs/metrics.md");
    }

    private static Map<String, Documented> documented() throws Exception {
        Map<String, Documented> out = new TreeMap<>();
        for (String line : Files.readAllLines(doc())) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                Set<String> labels = new TreeSet<>();
                for (String l : m.group(4).split(",")) {
                    if (!l.isBlank()) {
                        labels.add(l.trim());
                    }
                }
                Documented d = new Documented(m.group(2).trim(), m.group(3).trim(), labels);
                if (out.put(m.group(1), d) != null) {
                    throw new AssertionError(m.group(1) + " is documented twice");
                }
            }
        }
        return out;
    }

    @Test
    void docs_metrics_md_lists_exactly_the_families_the_exporter_emits() throws Exception {
        Exposition e;
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish(
                    "vm-a",
                    r ->
                            Records.full(
                                    r,
                                    1,
                                    2,
                                    3,
                                    System.nanoTime(),
                                    System.currentTimeMillis() * 1_000_000L));
            e = new Scrapes(reg.path()).parsed();
        }
        Map<String, Documented> docs = documented();
        Map<String, Set<String>> emittedLabels = new TreeMap<>();
        e.samples()
                .forEach(
                        s ->
                                emittedLabels
                                        .computeIfAbsent(s.name(), k -> new TreeSet<>())
                                        .addAll(s.labels().keySet()));

        assertEquals(
                new TreeSet<>(docs.keySet()),
                new TreeSet<>(emittedLabels.keySet()),
                "documented vs emitted families");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Documented> d : docs.entrySet()) {
            String name = d.getKey();
            Documented doc = d.getValue();
            String expectedType = doc.type.startsWith("info") ? "gauge" : doc.type;
            if (!expectedType.equals(e.types().get(name))) {
                wrong.add(name + ": documented " + doc.type + ", emitted " + e.types().get(name));
            }
            Set<String> labels = new TreeSet<>(emittedLabels.get(name));
            if (doc.labels.contains("label_*")) {
                labels.removeIf(l -> l.startsWith("label_"));
                labels.add("label_*");
            }
            if (!labels.equals(doc.labels)) {
                wrong.add(name + ": documented labels " + doc.labels + ", emitted " + labels);
            }
            boolean unitInName =
                    !doc.unit.isEmpty() && Arrays.asList(name.split("_")).contains(doc.unit);
            if (doc.unit.isEmpty() == name.matches(".*_(seconds|bytes)(_total)?$")
                    || (!doc.unit.isEmpty() && !unitInName)) {
                wrong.add(name + ": documented unit '" + doc.unit + "' does not match the name");
            }
            if (e.helps().getOrDefault(name, "").isBlank()) {
                wrong.add(name + ": no HELP");
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
}
