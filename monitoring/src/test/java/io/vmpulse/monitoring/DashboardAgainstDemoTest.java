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
 * finds nothing, a recording rule that records nothing all show up here by panel name.
 *
 * <p>Every wait is bounded, and the demo stops by itself after {@link #DEMO_DURATION} even if
 * this JVM dies before {@link #stop}.
 */
class DashboardAgainstDemoTest {

    /** DemoCommand registers one VM with this id. */
    private static final String DEMO_VM = "local";
    private static final Duration DEMO_DURATION = Duration.ofSeconds(180);
    private static final Duration URL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SCRAPES_TIMEOUT = Duration.ofSeconds(30);
    /**
     * After two scrapes a rule evaluation (every second) may still be due before a recorded series
     * exists, and a guest sample (every second) before a rate has two points: queries that find
     * nothing are asked again until this much time has passed.
     */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration RANGE = Duration.ofSeconds(30);

    private static final String VCPU = "the demo VM has no hypervisor (HypervisorKind.NONE), so the collector finds no"
            + " vCPU threads and the exporter emits no vmpulse_vcpu_* series for it";
    private static final String NET = "the demo VM has no TAP device and no VMM device counters, so it has no"
            + " vmpulse_network_* series";
    private static final String DISK_OPS = "the demo's block figures come from /proc/PID/io of the agent process,"
            + " which counts bytes but no operations, so vmpulse_block_*_completed_total are absent";

    /**
     * Panel targets whose data the demo VM cannot have, keyed "panel title/refId", with the reason.
     * The test checks that they still parse and that each really returns nothing for the demo VM,
     * so this list cannot outlive its reason.
     */
    private static final Map<String, String> UNAVAILABLE_IN_DEMO = Map.ofEntries(
            Map.entry("Guest steal beside host run-queue wait (top 10)/B", VCPU),
            Map.entry("Steal (guest) and run-queue wait (host)/B", VCPU),
            Map.entry("Host CPU/A", VCPU),
            Map.entry("Network (top 10)/A", NET),
            Map.entry("Network (top 10)/B", NET),
            Map.entry("Network/A", NET),
            Map.entry("Network/B", NET),
            Map.entry("Network/C", NET),
            Map.entry("Network/D", NET),
            Map.entry("Network/E", NET),
            Map.entry("Network/F", NET),
            Map.entry("Block I/O/C", DISK_OPS),
            Map.entry("Block I/O/D", DISK_OPS));

    private static final String NO_DRIVE = "the demo's block figures come from /proc/PID/io, one total for the"
            + " process, so its block series carry no device label";

    /**
     * Labels a legend shows that the demo VM's series cannot carry, keyed "panel title/refId/label",
     * with the reason. Checked like {@link #UNAVAILABLE_IN_DEMO}: each must be in that legend and
     * missing from the demo's series.
     */
    private static final Map<String, String> LEGEND_LABELS_UNAVAILABLE_IN_DEMO = Map.of(
            "Block I/O/A/device", NO_DRIVE,
            "Block I/O/B/device", NO_DRIVE);

    /** Recording rules whose input the demo VM cannot have, with the reason. */
    private static final Map<String, String> RECORDINGS_UNAVAILABLE_IN_DEMO = Map.of(
            "vm_id:vmpulse_vcpu_runqueue_wait_seconds:rate5m", VCPU);

    private static DemoProcess demo;
    private static PrometheusServer prometheus;
    private static Dashboard dashboard;

    /** Why this machine cannot run the test (reported by each test, not by the class), or null. */
    private static String missing;

    @BeforeAll
    static void start() throws Exception {
        missing = MonitoringFiles.prometheusMissing();
        if (missing == null && !Files.isExecutable(MonitoringFiles.COLLECTOR_LAUNCHER)) {
            missing = MonitoringFiles.COLLECTOR_LAUNCHER
                    + " is missing: run `mvn -DskipTests package` first (`mvn verify` builds it before this test)";
        }
        if (missing == null && !Files.isExecutable(MonitoringFiles.EXPORTER_LAUNCHER)) {
            missing = "no " + MonitoringFiles.EXPORTER_LAUNCHER + ": the installed layout has no exporter, so the demo"
                    + " has no /metrics to scrape";
        }
        if (missing != null) {
            return;
        }
        dashboard = Dashboard.load(MonitoringFiles.DASHBOARD);
        demo = DemoProcess.start(MonitoringFiles.COLLECTOR_LAUNCHER, DEMO_DURATION);
        URI metrics = demo.awaitMetricsUrl(URL_TIMEOUT);
        prometheus = PrometheusServer.start(List.of(MonitoringFiles.RULES, MonitoringFiles.ALERTS), metrics);
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
            JsonArray r = result(prometheus.query("count_over_time(up{job=\"vmpulse\"}[1m]) >= 2"));
            if (!r.isEmpty()) {
                JsonArray up = result(prometheus.query("up{job=\"vmpulse\"} == 1"));
                assertTrue(!up.isEmpty(), "prometheus cannot scrape " + metrics + ": "
                        + prometheus.get("/api/v1/targets").toString());
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("prometheus did not scrape " + metrics + " twice within " + SCRAPES_TIMEOUT
                + ": " + prometheus.get("/api/v1/targets") + "\n" + prometheus.logTail());
    }

    @Test
    void every_dashboard_query_returns_series_for_the_demo_vm() throws Exception {
        assertTrue(!result(prometheus.query("vmpulse_vm_info{vm_id=\"" + DEMO_VM + "\"}")).isEmpty(),
                "the exporter reports no VM '" + DEMO_VM + "'; VMs: " + result(prometheus.query("vmpulse_vm_info")));
        List<PanelQuery> expected = new ArrayList<>();
        List<PanelQuery> unavailable = new ArrayList<>();
        for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", DEMO_VM)) {
            (UNAVAILABLE_IN_DEMO.containsKey(key(q)) ? unavailable : expected).add(q);
        }
        Set<String> stale = new TreeSet<>(UNAVAILABLE_IN_DEMO.keySet());
        stale.removeAll(unavailable.stream().map(DashboardAgainstDemoTest::key).collect(Collectors.toSet()));
        assertEquals(Set.of(), stale, "UNAVAILABLE_IN_DEMO names panel targets the dashboard does not have");
        Set<String> legendLabels = expected.stream()
                .flatMap(q -> q.target().legendLabels().stream().map(label -> key(q) + "/" + label))
                .collect(Collectors.toSet());
        Set<String> staleLabels = new TreeSet<>(LEGEND_LABELS_UNAVAILABLE_IN_DEMO.keySet());
        staleLabels.removeAll(legendLabels);
        assertEquals(Set.of(), staleLabels, "LEGEND_LABELS_UNAVAILABLE_IN_DEMO names labels no legend shows");

        Map<String, String> broken = new LinkedHashMap<>();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        List<PanelQuery> pending = expected;
        do {
            broken.clear();
            List<PanelQuery> still = new ArrayList<>();
            for (PanelQuery q : pending) {
                String problem = problem(q);
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
                broken.put(q.name(), "error " + Dashboard.string(answer, "error") + " in " + q.expr());
            } else if (hasDemoVm(result(answer))) {
                broken.put(q.name(), "listed in UNAVAILABLE_IN_DEMO (" + UNAVAILABLE_IN_DEMO.get(key(q))
                        + ") but returns series for the demo VM: remove it from the list");
            }
        }
        assertEquals(Map.of(), broken, "broken panels (" + broken.size() + " of " + (expected.size() + unavailable.size())
                + " queries)");
    }

    /** Alerts read these too: one that records nothing would silence its alert without an error. */
    @Test
    void every_recording_rule_records_series_for_the_demo_vm() throws Exception {
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> pending = RuleFiles.load(MonitoringFiles.RULES).recordings().stream()
                .map(RuleFiles.Recording::name).collect(Collectors.toCollection(ArrayList::new));
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            problems.clear();
            for (String name : List.copyOf(pending)) {
                boolean recorded = hasDemoVm(result(prometheus.query(name + "{vm_id=\"" + DEMO_VM + "\"}")));
                String reason = RECORDINGS_UNAVAILABLE_IN_DEMO.get(name);
                if (reason == null && recorded) {
                    pending.remove(name);
                } else if (reason == null) {
                    problems.put(name, "records nothing for the demo VM");
                } else if (recorded) {
                    problems.put(name, "listed in RECORDINGS_UNAVAILABLE_IN_DEMO (" + reason
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
        // label_values(metric, label) is Grafana's call of the label values API with a match[] selector.
        String selector = DashboardLintTest.VM_ID_VALUES.replaceAll("^label_values\\((.*),\\s*vm_id\\)$", "$1");
        JsonObject answer = prometheus.get("/api/v1/label/vm_id/values?match[]=" + PrometheusServer.enc(selector));
        List<String> values = new ArrayList<>();
        answer.getAsJsonArray("data").forEach(v -> values.add(v.getAsString()));
        assertTrue(values.contains(DEMO_VM), "vm_id variable (" + DashboardLintTest.VM_ID_VALUES + ") lists " + values);
    }

    @Test
    void every_rule_evaluates_without_error_on_the_demos_series() throws Exception {
        int shipped = RuleFiles.load(MonitoringFiles.RULES, MonitoringFiles.ALERTS).alerts().size()
                + RuleFiles.load(MonitoringFiles.RULES).recordings().size();
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            problems.clear();
            int rules = 0;
            // A rule not yet evaluated has health "unknown": asked again until the deadline.
            for (JsonElement g : prometheus.get("/api/v1/rules").getAsJsonObject("data").getAsJsonArray("groups")) {
                for (JsonElement r : g.getAsJsonObject().getAsJsonArray("rules")) {
                    JsonObject rule = r.getAsJsonObject();
                    rules++;
                    if (!"ok".equals(Dashboard.string(rule, "health"))) {
                        problems.add(Dashboard.string(rule, "name") + ": " + Dashboard.string(rule, "health") + " "
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
            for (JsonElement a : prometheus.get("/api/v1/alerts").getAsJsonObject("data").getAsJsonArray("alerts")) {
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

    /**
     * Null when the query returns a series for the demo VM that carries every label its legend
     * shows, else what is wrong. A query whose series carry no vm_id (a fleet aggregate) and whose
     * legend names none counts when it returns anything: the demo's VM is the only one scraped.
     */
    private static String problem(PanelQuery q) throws Exception {
        JsonObject answer = ask(q);
        if (!"success".equals(Dashboard.string(answer, "status"))) {
            return "error " + Dashboard.string(answer, "error") + " in " + q.expr();
        }
        JsonArray series = result(answer);
        if (series.isEmpty()) {
            return "no series from " + q.expr();
        }
        Set<String> legend = new TreeSet<>(q.target().legendLabels());
        Set<String> lacking = new TreeSet<>();
        for (String label : q.target().legendLabels()) {
            if (LEGEND_LABELS_UNAVAILABLE_IN_DEMO.containsKey(key(q) + "/" + label)) {
                legend.remove(label);
                lacking.add(label);
            }
        }
        List<JsonObject> candidates = new ArrayList<>();
        for (JsonElement s : series) {
            JsonObject metric = s.getAsJsonObject().getAsJsonObject("metric");
            boolean demoVm = metric.has("vm_id") && DEMO_VM.equals(metric.get("vm_id").getAsString());
            if (demoVm || !(legend.contains("vm_id") || metric.has("vm_id"))) {
                candidates.add(metric);
            }
        }
        if (candidates.isEmpty()) {
            return "series, none for vm_id=\"" + DEMO_VM + "\", from " + q.expr() + ": " + series;
        }
        if (candidates.stream().noneMatch(m -> legend.stream().allMatch(m::has))) {
            return "no series with every label the legend '" + q.target().legend() + "' shows, from " + q.expr()
                    + ": " + candidates;
        }
        for (String label : lacking) {
            if (candidates.stream().anyMatch(m -> m.has(label))) {
                return "listed in LEGEND_LABELS_UNAVAILABLE_IN_DEMO for label " + label + " ("
                        + LEGEND_LABELS_UNAVAILABLE_IN_DEMO.get(key(q) + "/" + label)
                        + ") but the demo's series carry it: remove it from the list";
            }
        }
        return null;
    }

    /** As Grafana asks: instant targets with an instant query, the rest with a range query. */
    private static JsonObject ask(PanelQuery q) throws Exception {
        return q.target().instant() ? prometheus.query(q.expr()) : prometheus.queryRange(q.expr(), RANGE);
    }

    /**
     * Series carrying a vm_id must include the demo's; an aggregate over all VMs carries none and
     * counts as long as it returns anything (the demo's VM is the only one scraped).
     */
    private static boolean hasDemoVm(JsonArray series) {
        boolean anyVmId = false;
        for (JsonElement s : series) {
            JsonObject metric = s.getAsJsonObject().getAsJsonObject("metric");
            if (metric.has("vm_id")) {
                anyVmId = true;
                if (DEMO_VM.equals(metric.get("vm_id").getAsString())) {
                    return true;
                }
            }
        }
        return !anyVmId && !series.isEmpty();
    }

    private static JsonArray result(JsonObject answer) {
        JsonObject data = answer.getAsJsonObject("data");
        return data == null ? new JsonArray() : data.getAsJsonArray("result");
    }

    private static String key(PanelQuery q) {
        return q.panel().title() + "/" + q.target().refId();
    }
}
