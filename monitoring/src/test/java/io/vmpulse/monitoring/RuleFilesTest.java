package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shipped rule files through the real promtool. */
class RuleFilesTest {

    @BeforeEach
    void needsPromtool() {
        MonitoringFiles.requirePrometheus();
    }

    @Test
    void rules_and_alerts_pass_promtool_check() throws Exception {
        Promtool.Result r =
                Promtool.run(
                        MonitoringFiles.RULES.getParent(),
                        "check",
                        "rules",
                        MonitoringFiles.RULES.toString(),
                        MonitoringFiles.ALERTS.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void alert_unit_tests_pass_in_promtool() throws Exception {
        Promtool.Result r =
                Promtool.run(
                        MonitoringFiles.RULE_TESTS.getParent(),
                        "test",
                        "rules",
                        MonitoringFiles.RULE_TESTS.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }
}
