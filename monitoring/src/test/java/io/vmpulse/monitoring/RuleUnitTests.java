package io.vmpulse.monitoring;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The cases of a promtool unit-test file: alert cases and PromQL expression cases. */
final class RuleUnitTests {

    /**
     * One alert_rule_test: what the alert should be at one time; no expected alerts means quiet.
     */
    record AlertCase(
            String test,
            String alertname,
            String evalTime,
            List<Map<String, String>> expectedLabels,
            List<Map<String, String>> expectedAnnotations) {

        boolean fires() {
            return !expectedLabels.isEmpty();
        }
    }

    private final List<AlertCase> alertCases = new ArrayList<>();
    private final List<String> exprs = new ArrayList<>();

    private RuleUnitTests() {}

    static RuleUnitTests load(Path file) throws IOException {
        RuleUnitTests t = new RuleUnitTests();
        for (Map<String, Object> test : RuleFiles.Yamls.list(RuleFiles.Yamls.load(file), "tests")) {
            String name = String.valueOf(test.get("name"));
            for (Map<String, Object> c : RuleFiles.Yamls.list(test, "alert_rule_test")) {
                List<Map<String, String>> labels = new ArrayList<>();
                List<Map<String, String>> annotations = new ArrayList<>();
                for (Map<String, Object> exp : RuleFiles.Yamls.list(c, "exp_alerts")) {
                    labels.add(RuleFiles.Yamls.strings(exp, "exp_labels"));
                    annotations.add(RuleFiles.Yamls.strings(exp, "exp_annotations"));
                }
                t.alertCases.add(
                        new AlertCase(
                                name,
                                (String) c.get("alertname"),
                                String.valueOf(c.get("eval_time")),
                                labels,
                                annotations));
            }
            for (Map<String, Object> c : RuleFiles.Yamls.list(test, "promql_expr_test")) {
                t.exprs.add((String) c.get("expr"));
            }
        }
        return t;
    }

    List<AlertCase> alertCases() {
        return alertCases;
    }

    /** The expressions of every promql_expr_test. */
    List<String> exprs() {
        return exprs;
    }
}
