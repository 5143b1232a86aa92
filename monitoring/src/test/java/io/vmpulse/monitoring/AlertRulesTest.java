package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What promtool does not check: that the unit tests cover every rule both ways, and that every
 * alert carries what an on-call engineer needs (a severity, a pending time, annotations naming the
 * VM and the host).
 */
class AlertRulesTest {

    private static final Set<String> SEVERITIES = Set.of("warning", "critical");

    private static RuleFiles rules;
    private static RuleUnitTests tests;

    @BeforeAll
    static void load() throws Exception {
        rules = RuleFiles.load(MonitoringFiles.RULES, MonitoringFiles.ALERTS);
        tests = RuleUnitTests.load(MonitoringFiles.RULE_TESTS);
        assertFalse(rules.alerts().isEmpty(), "no alerts in " + MonitoringFiles.ALERTS);
    }

    @Test
    void every_alert_has_a_firing_and_a_quiet_unit_test() {
        List<String> missing = new ArrayList<>();
        for (RuleFiles.Alert alert : rules.alerts()) {
            List<RuleUnitTests.AlertCase> cases =
                    tests.alertCases().stream()
                            .filter(c -> c.alertname().equals(alert.name()))
                            .toList();
            if (cases.stream().noneMatch(RuleUnitTests.AlertCase::fires)) {
                missing.add(alert.name() + ": no case where it fires");
            }
            if (cases.stream().allMatch(RuleUnitTests.AlertCase::fires)) {
                missing.add(alert.name() + ": no case where it stays quiet");
            }
        }
        assertEquals(
                List.of(), missing, "alerts without unit tests in " + MonitoringFiles.RULE_TESTS);
    }

    @Test
    void unit_tests_name_only_alerts_that_exist() {
        Set<String> alerts =
                rules.alerts().stream().map(RuleFiles.Alert::name).collect(Collectors.toSet());
        Set<String> unknown =
                tests.alertCases().stream()
                        .map(RuleUnitTests.AlertCase::alertname)
                        .filter(n -> !alerts.contains(n))
                        .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(
                Set.of(),
                unknown,
                "unit tests for alerts that are not in " + MonitoringFiles.ALERTS);
    }

    @Test
    void every_recording_rule_has_an_expression_test() {
        Set<String> tested =
                tests.exprs().stream()
                        .flatMap(e -> PromqlNames.of(e).stream())
                        .collect(Collectors.toSet());
        Set<String> untested =
                rules.recordings().stream()
                        .map(RuleFiles.Recording::name)
                        .filter(n -> !tested.contains(n))
                        .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(
                Set.of(),
                untested,
                "recording rules without a promql_expr_test in " + MonitoringFiles.RULE_TESTS);
    }

    @Test
    void every_alert_has_a_severity_a_pending_time_a_summary_and_a_description() {
        List<String> problems = new ArrayList<>();
        for (RuleFiles.Alert alert : rules.alerts()) {
            if (!SEVERITIES.contains(alert.labels().get("severity"))) {
                problems.add(
                        alert.name()
                                + ": severity "
                                + alert.labels().get("severity")
                                + " is not one of "
                                + SEVERITIES);
            }
            if (alert.forDuration() == null || alert.forDuration().matches("0+[smhdwy]?")) {
                problems.add(alert.name() + ": no for: (one bad scrape would page)");
            }
            for (String annotation : List.of("summary", "description")) {
                if (alert.annotations().getOrDefault(annotation, "").isBlank()) {
                    problems.add(alert.name() + ": no " + annotation);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /**
     * Driven by the unit tests' firing cases: where the alert carries a vm_id (or an instance), its
     * templates must use it, and the text promtool rendered must contain its value.
     */
    @Test
    void firing_alerts_name_their_vm_and_host_in_summary_and_description() {
        Map<String, RuleFiles.Alert> byName =
                rules.alerts().stream().collect(Collectors.toMap(RuleFiles.Alert::name, a -> a));
        List<String> problems = new ArrayList<>();
        for (RuleUnitTests.AlertCase c : tests.alertCases()) {
            RuleFiles.Alert alert = byName.get(c.alertname());
            for (int i = 0; alert != null && i < c.expectedLabels().size(); i++) {
                Map<String, String> labels = c.expectedLabels().get(i);
                Map<String, String> rendered = c.expectedAnnotations().get(i);
                if (labels.containsKey("vm_id")) {
                    requireNamed(problems, alert, "summary", "vm_id", labels, rendered);
                    requireNamed(problems, alert, "description", "vm_id", labels, rendered);
                }
                if (labels.containsKey("instance")) {
                    requireNamed(problems, alert, "description", "instance", labels, rendered);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void requireNamed(
            List<String> problems,
            RuleFiles.Alert alert,
            String annotation,
            String label,
            Map<String, String> labels,
            Map<String, String> rendered) {
        if (!alert.annotations().getOrDefault(annotation, "").contains("$labels." + label)) {
            problems.add(alert.name() + ": " + annotation + " does not use $labels." + label);
        }
        if (!rendered.getOrDefault(annotation, "").contains(labels.get(label))) {
            problems.add(
                    alert.name()
                            + ": the unit test's expected "
                            + annotation
                            + " does not contain "
                            + label
                            + " "
                            + labels.get(label));
        }
    }
}
