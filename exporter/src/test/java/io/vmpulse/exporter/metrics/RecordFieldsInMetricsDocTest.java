package io.vmpulse.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every field declared in {@link RecordFields} is accounted for in docs/metrics.md: named as the
 * source of a metric, or as read without a series of its own, or as not exported. A field added to
 * the registry therefore cannot silently go unexported. A name may be matched by a documented
 * pattern such as {@code cpu_*_ns} or {@code *_per_s}; patterns of fewer than four literal
 * characters do not count, so a stray {@code *} cannot cover everything.
 */
class RecordFieldsInMetricsDocTest {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern ALTERNATIVES = Pattern.compile("\\{([^}]*)}");

    @Test
    void every_registry_field_is_accounted_for_in_the_metrics_document() throws Exception {
        List<Pattern> documented = documentedNames(Files.readString(MetricsDocTest.doc()));
        List<String> missing = new ArrayList<>();
        for (RecordField f : RecordFields.ALL) {
            if (documented.stream().noneMatch(p -> p.matcher(f.name()).matches())) {
                missing.add(f.name());
            }
        }
        assertEquals(List.of(), missing, "registry fields docs/metrics.md does not account for");
    }

    @Test
    void a_pattern_covers_the_fields_it_names_and_no_others() {
        List<Pattern> p = documentedNames("from `cpu_*_ns` and `net_{rx,tx}_bytes`, not `*`");
        assertTrue(p.stream().anyMatch(x -> x.matcher("cpu_user_ns").matches()));
        assertTrue(p.stream().anyMatch(x -> x.matcher("net_tx_bytes").matches()));
        assertTrue(p.stream().noneMatch(x -> x.matcher("net_rx_packets").matches()));
        assertTrue(
                p.stream().noneMatch(x -> x.matcher("checksum").matches()),
                "a bare * covers nothing");
    }

    private static List<Pattern> documentedNames(String doc) {
        List<Pattern> out = new ArrayList<>();
        Matcher code = CODE.matcher(doc);
        while (code.find()) {
            for (String token : code.group(1).split("[ ;]+|,(?![^{]*})")) {
                for (String name : expand(token)) {
                    if (name.replace("*", "").length() >= 4) {
                        out.add(
                                Pattern.compile(
                                        Pattern.quote(name).replace("*", "\\E[a-z0-9_.]*\\Q")));
                    }
                }
            }
        }
        return out;
    }

    /** {@code net_{rx,tx}_bytes} -> net_rx_bytes, net_tx_bytes. */
    private static List<String> expand(String token) {
        Matcher m = ALTERNATIVES.matcher(token);
        if (!m.find()) {
            return List.of(token);
        }
        List<String> out = new ArrayList<>();
        for (String alt : m.group(1).split(",")) {
            out.addAll(expand(token.substring(0, m.start()) + alt + token.substring(m.end())));
        }
        return out;
    }
}
