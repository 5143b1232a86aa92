package io.vmpulse.monitoring;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The rules of Prometheus rule files ({@code groups[].rules[]}), as plain records. */
final class RuleFiles {

    record Alert(
            String name,
            String expr,
            String forDuration,
            Map<String, String> labels,
            Map<String, String> annotations) {}

    record Recording(String name, String expr) {}

    private final List<Alert> alerts = new ArrayList<>();
    private final List<Recording> recordings = new ArrayList<>();

    private RuleFiles() {}

    static RuleFiles load(Path... files) throws IOException {
        RuleFiles r = new RuleFiles();
        for (Path file : files) {
            for (Map<String, Object> group : Yamls.list(Yamls.load(file), "groups")) {
                for (Map<String, Object> rule : Yamls.list(group, "rules")) {
                    if (rule.containsKey("alert")) {
                        r.alerts.add(
                                new Alert(
                                        (String) rule.get("alert"),
                                        (String) rule.get("expr"),
                                        (String) rule.get("for"),
                                        Yamls.strings(rule, "labels"),
                                        Yamls.strings(rule, "annotations")));
                    } else {
                        r.recordings.add(
                                new Recording(
                                        (String) rule.get("record"), (String) rule.get("expr")));
                    }
                }
            }
        }
        return r;
    }

    List<Alert> alerts() {
        return alerts;
    }

    List<Recording> recordings() {
        return recordings;
    }

    /** Small typed reads of SnakeYAML's maps and lists, failing with the key's name. */
    static final class Yamls {

        private Yamls() {}

        @SuppressWarnings("unchecked")
        static Map<String, Object> load(Path file) throws IOException {
            try (Reader in = Files.newBufferedReader(file)) {
                return (Map<String, Object>)
                        new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            }
        }

        @SuppressWarnings("unchecked")
        static List<Map<String, Object>> list(Map<String, Object> map, String key) {
            Object v = map.get(key);
            return v == null ? List.of() : (List<Map<String, Object>>) v;
        }

        @SuppressWarnings("unchecked")
        static Map<String, String> strings(Map<String, Object> map, String key) {
            Object v = map.get(key);
            return v == null ? Map.of() : (Map<String, String>) v;
        }
    }
}
