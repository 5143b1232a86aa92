package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/otlp.md's metric table and the catalogue the push emits from cannot drift apart. */
class OtlpDocsTest {

    private static final Pattern ROW =
            Pattern.compile("^\\| `([a-z0-9_.]+)` \\| (counter|updown|gauge) \\| `([^`]+)` \\|");

    @Test
    void the_documented_metric_table_lists_exactly_the_catalogue_with_its_kinds_and_units()
            throws Exception {
        Path doc =
                Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("otlp.md");
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                assertNull(
                        documented.put(m.group(1), m.group(2) + " " + m.group(3)),
                        m.group(1) + " listed twice");
            }
        }
        Map<String, String> code = new LinkedHashMap<>();
        for (OtlpMetric m : OtlpMetric.values()) {
            String kind =
                    switch (m.kind()) {
                        case COUNTER -> "counter";
                        case UP_DOWN -> "updown";
                        case GAUGE -> "gauge";
                    };
            code.put(m.metricName(), kind + " " + m.unit());
        }
        assertEquals(code, documented);
    }
}
