package io.vmpulse.monitoring;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shipped files and the programs the tests run are, from the module directory (surefire's
 * working directory).
 */
final class MonitoringFiles {

    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path ROOT = MODULE.getParent();
    static final Path DASHBOARD = MODULE.resolve("grafana/vmpulse.json");
    static final Path RULES = MODULE.resolve("prometheus/rules.yml");
    static final Path ALERTS = MODULE.resolve("prometheus/alerts.yml");
    static final Path RULE_TESTS = MODULE.resolve("prometheus/tests.yml");

    /** Written by the exporter: every metric it emits. */
    static final Path METRICS_DOC = ROOT.resolve("docs/metrics.md");

    /**
     * The installed layout that {@code mvn package} makes: every program's jar beside its launcher.
     */
    static final Path INSTALL = ROOT.resolve("dist/target/vmpulse");

    static final Path COLLECTOR_LAUNCHER = INSTALL.resolve("vmpulse-collector");

    /** The demo starts the exporter through this launcher when it is there. */
    static final Path EXPORTER_LAUNCHER = INSTALL.resolve("vmpulse-exporter");

    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private MonitoringFiles() {}

    static void requirePrometheus() {
        String missing = prometheusMissing();
        Prerequisites.require(missing == null, missing);
    }

    /** Why the real prometheus cannot run here, or null. */
    static String prometheusMissing() {
        return Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL)
                ? null
                : "Debian's prometheus package is not installed (apt-get install -y prometheus)";
    }
}
