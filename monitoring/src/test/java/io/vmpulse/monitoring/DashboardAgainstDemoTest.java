package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's demo, scraped every second by the real Debian prometheus with the shipped rules
 * loaded: after two scrapes, every dashboard query must return series for the demo's VM. So no
 * panel ships broken: a misspelt metric, a label the exporter does not emit, a vector match that
 * finds nothing, a recording rule that records nothing all show up here by panel name. What the
 * demo VM cannot have is listed, with the reason, in {@link DemoGaps}.
 *
 * <p>Every wait is bounded, and the demo stops by itself after {@link #DEMO_DURATION} even if this
 * JVM dies before {@link #stop}.
 */
class DashboardAgainstDemoTest {

    private static final Duration DEMO_DURATION = Duration.ofSeconds(300);
    private static final Duration URL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SCRAPES_TIMEOUT = Duration.ofSeconds(30);

    /**
     * After two scrapes a rule evaluation (every second) may still be due before a recorded series
     * exists, and a guest sample (every second) before a rate has two points: queries that find
     * nothing are asked again until this much time has passed.
     */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);

    private static final Duration RANGE = Duration.ofSeconds(30);

    private static DemoProcess demo;
    private static PrometheusServer prometheus;
    private static Dashboard dashboard;

    /** Why this machine cannot run the test (reported by each test, not by the class), or null. */
    private static String missing;

    @BeforeAll
    static void start() throws Exception {
        missing = MonitoringFiles.prometheusMissing();
        if (missing == null && !Files.isExecutable(MonitoringFiles.COLLECTOR_LAUNCHER)) {
            missing =
                    MonitoringFiles.COLLECTOR_LAUNCHER
                            + " is missing: run `mvn -DskipTests package` first (`mvn verify` builds it before this test)";
        }
        if (missing == null && !Files.isExecutable(MonitoringFiles.EXPORTER_LAUNCHER)) {
            missing =
                    "no "
                            + MonitoringFiles.EXPORTER_LAUNCHER
                            + ": the installed layout has no exporter, so the demo"
                            + " has no /metrics to scrape";
        }
        if (missing != null) {
            return;
        }
        dashboard = Dashboard.load(MonitoringFiles.DASHBOARD);
        demo = DemoProcess.start(MonitoringFiles.COLLECTOR_LAUNCHER, DEMO_DURATION);
        URI metrics = demo.awaitMetricsUrl(URL_TIMEOUT);
        prometheus =
                PrometheusServer.start(
                        List.of(MonitoringFiles.RULES, MonitoringFiles.ALERTS), metrics);
        awaitTwoScrapes(metrics);
    }

    @BeforeEach
    void requirePrerequisites() {
        Prerequisites.require(missing == null, missing);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.close();
            }
        } finally {
            if (demo != null) {
                demo.close();
            }
        }
    }

    private static void awaitTwoScrapes(URI metrics) throws Exception {
        long deadline = System.nanoTime() + SCRAPES_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonArray r =
                    DemoVmSeries.result(
                            prometheus.query("count_over_time(up{job=\"vmpulse\"}[1m]) >= 2"));
            if (!r.isEmpty()) {
                JsonArray up = DemoVmSeries.result(prometheus.query("up{job=\"vmpulse\"} == 1"));
                assertTrue(
                        !up.isEmpty(),
                        "prometheus cannot scrape "
                                + metrics
                                + ": "
                                + prometheus.get("/api/v1/targets").toString());
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "prometheus did not scrape "
                        + metrics
                        + " twice within "
                        + SCRAPES_TIMEOUT
                        + ": "
                        + prometheus.get("/api/v1/targets")
                        + "\n"
                        + prometheus.logTail());
    }

    @Test
    void every_dashboard_query_returns_series_for_the_demo_vm() throws Exception {
        assertTrue(
                !DemoVmSeries.result(
                                prometheus.query(
                                        "vmpulse_vm_info{vm_id=\"" + DemoVmSeries.VM + "\"}"))
                        .isEmpty(),
                "the exporter reports no VM '"
                        + DemoVmSeries.VM
                        + "'; VMs: "
                        + DemoVmSeries.result(prometheus.query("vmpulse_vm_info")));
        List<PanelQuery> expected = new ArrayList<>();
        List<PanelQuery> unavailable = new ArrayList<>();
        for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", DemoVmSeries.VM)) {
            (DemoGaps.QUERIES.containsKey(DemoGaps.key(q)) ? unavailable : expected).add(q);
        }
        Set<String> stale = new TreeSet<>(DemoGaps.QUERIES.keySet());
        stale.removeAll(unavailable.stream().map(DemoGaps::key).collect(Collectors.toSet()));
        assertEquals(
                Set.of(),
                stale,
                "DemoGaps.QUERIES names panel targets the dashboard does not have");
        Set<String> legendLabels =
                expected.stream()
                        .flatMap(
                                q ->
                                        q.target().legendLabels().stream()
                                                .map(label -> DemoGaps.key(q) + "/" + label))
                        .collect(Collectors.toSet());
        Set<String> staleLabels = new TreeSet<>(DemoGaps.LEGEND_LABELS.keySet());
        staleLabels.removeAll(legendLabels);
        assertEquals(Set.of(), staleLabels, "DemoGaps.LEGEND_LABELS names labels no legend shows");

        Map<String, String> broken = new LinkedHashMap<>();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        List<PanelQuery> pending = expected;
        do {
            broken.clear();
            List<PanelQuery> still = new ArrayList<>();
            for (PanelQuery q : pending) {
                String problem = DemoVmSeries.problem(q, ask(q));
                if (problem != null) {
                    broken.put(q.name(), problem);
                    still.add(q);
                }
            }
            pending = still;
        } while (!pending.isEmpty() && sleepUntil(deadline));
        for (PanelQuery q : unavailable) {
            JsonObject answer = ask(q);
            if (!"success".equals(Dashboard.string(answer, "status"))) {
                broken.put(
                        q.name(), "error " + Dashboard.string(answer, "error") + " in " + q.expr());
            } else if (DemoVmSeries.hasVm(DemoVmSeries.result(answer))) {
                broken.put(
                        q.name(),
                        "listed in DemoGaps.QUERIES ("
                                + DemoGaps.QUERIES.get(DemoGaps.key(q))
                                + ") but returns series for the demo VM: remove it from the list");
            }
        }
        assertEquals(
                Map.of(),
                broken,
                "broken panels ("
                        + broken.size()
                        + " of "
                        + (expected.size() + unavailable.size())
                        + " queries)");
    }

    /** Alerts read these too: one that records nothing would silence its alert without an error. */
    @Test
    void every_recording_rule_records_series_for_the_demo_vm() throws Exception {
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> pending =
                RuleFiles.load(MonitoringFiles.RULES).recordings().stream()
                        .map(RuleFiles.Recording::name)
                        .collect(Collectors.toCollection(ArrayList::new));
        Set<String> stale = new TreeSet<>(DemoGaps.RECORDINGS.keySet());
        pending.forEach(stale::remove);
        assertEquals(
                Set.of(), stale, "DemoGaps.RECORDINGS names rules that rules.yml does not record");
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            problems.clear();
            for (String name : List.copyOf(pending)) {
                boolean recorded =
                        DemoVmSeries.hasVm(
                                DemoVmSeries.result(
                                        prometheus.query(
                                                name + "{vm_id=\"" + DemoVmSeries.VM + "\"}")));
                String reason = DemoGaps.RECORDINGS.get(name);
                if (reason == null && recorded) {
                    pending.remove(name);
                } else if (reason == null) {
                    problems.put(name, "records nothing for the demo VM");
                } else if (recorded) {
                    problems.put(
                            name,
                            "listed in DemoGaps.RECORDINGS ("
                                    + reason
                                    + ") but records series for the demo VM: remove it from the list");
                } else {
                    pending.remove(name);
                }
            }
        } while (!problems.isEmpty() && sleepUntil(deadline));
        assertEquals(Map.of(), problems);
    }

    @Test
    void vm_id_variable_lists_the_demo_vm() throws Exception {
        // label_values(metric, label) is Grafana's call of the label values API with a match[]
        // selector.
        String selector =
                DashboardLintTest.VM_ID_VALUES.replaceAll(
                        "^label_values\\((.*),\\s*vm_id\\)$", "$1");
        JsonObject answer =
                prometheus.get(
                        "/api/v1/label/vm_id/values?match[]=" + PrometheusServer.enc(selector));
        List<String> values = new ArrayList<>();
        answer.getAsJsonArray("data").forEach(v -> values.add(v.getAsString()));
        assertTrue(
                values.contains(DemoVmSeries.VM),
                "vm_id variable (" + DashboardLintTest.VM_ID_VALUES + ") lists " + values);
    }

    @Test
    void every_rule_evaluates_without_error_on_the_demos_series() throws Exception {
        int shipped =
                RuleFiles.load(MonitoringFiles.RULES, MonitoringFiles.ALERTS).alerts().size()
                        + RuleFiles.load(MonitoringFiles.RULES).recordings().size();
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            problems.clear();
            int rules = 0;
            // A rule not yet evaluated has health "unknown": asked again until the deadline.
            for (JsonElement g :
                    prometheus
                            .get("/api/v1/rules")
                            .getAsJsonObject("data")
                            .getAsJsonArray("groups")) {
                for (JsonElement r : g.getAsJsonObject().getAsJsonArray("rules")) {
                    JsonObject rule = r.getAsJsonObject();
                    rules++;
                    if (!"ok".equals(Dashboard.string(rule, "health"))) {
                        problems.add(
                                Dashboard.string(rule, "name")
                                        + ": "
                                        + Dashboard.string(rule, "health")
                                        + " "
                                        + Dashboard.string(rule, "lastError"));
                    }
                }
            }
            assertEquals(shipped, rules, "rules loaded by prometheus");
        } while (!problems.isEmpty() && sleepUntil(deadline));
        assertEquals(List.of(), problems);
    }

    /**
     * A healthy demo must not page anyone: no alert pending or firing (an absent() on a misspelt
     * name would be). One that is pending while the demo's first samples arrive must clear.
     */
    @Test
    void no_alert_is_pending_or_firing_for_the_healthy_demo() throws Exception {
        List<String> active = new ArrayList<>();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            active.clear();
            for (JsonElement a :
                    prometheus
                            .get("/api/v1/alerts")
                            .getAsJsonObject("data")
                            .getAsJsonArray("alerts")) {
                active.add(a.toString());
            }
        } while (!active.isEmpty() && sleepUntil(deadline));
        assertEquals(List.of(), active);
    }

    /** Sleeps a second and tells whether the deadline is still ahead. */
    private static boolean sleepUntil(long deadline) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            return false;
        }
        Thread.sleep(1000);
        return true;
    }

    /** As Grafana asks: instant targets with an instant query, the rest with a range query. */
    private static JsonObject ask(PanelQuery q) throws Exception {
        return q.target().instant()
                ? prometheus.query(q.expr())
                : prometheus.queryRange(q.expr(), RANGE);
    }
}
