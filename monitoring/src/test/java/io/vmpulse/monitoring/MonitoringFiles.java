package io.vmpulse.monitoring;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shipped files and the programs the tests run are, from the module directory (surefire's working directory). */
final class MonitoringFiles {

    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path ROOT = MODULE.getParent();
    static final Path DASHBOARD = MODULE.resolve("grafana/vmpulse.json");
    static final Path RULES = MODULE.resolve("prometheus/rules.yml");
    static final Path ALERTS = MODULE.resolve("prometheus/alerts.yml");
    static final Path RULE_TESTS = MODULE.resolve("prometheus/tests.yml");
    /** Written by the exporter: every metric it emits. */
    static final Path METRICS_DOC = ROOT.resolve("docs/metrics.md");
    static final Path COLLECTOR_JAR = ROOT.resolve("host-collector/target/host-collector.jar");
    static final Path EXPORTER_MODULE = ROOT.resolve("exporter/pom.xml");
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private MonitoringFiles() {
    }

    static void requirePrometheus() {
        Prerequisites.require(Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL),
                "Debian's prometheus package is not installed (apt-get install -y prometheus)");
    }
}
