package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard as a file: its shape, its variables, and queries that parse and name real series.
 */
class DashboardLintTest {

    /**
     * Grafana 10.4 and 11 write 39; older numbers are migrated on import, newer ones are refused by
     * older Grafanas.
     */
    private static final int SCHEMA_VERSION = 39;

    private static final String DATASOURCE_UID = "${datasource}";
    private static final Pattern DOCUMENTED_NAME = Pattern.compile("\\bvmpulse_[A-Za-z0-9_]+");

    private static Dashboard dashboard;

    @BeforeAll
    static void load() throws Exception {
        dashboard = Dashboard.load(MonitoringFiles.DASHBOARD);
    }

    @Test
    void dashboard_has_a_prometheus_datasource_variable_and_a_vm_id_variable() {
        assertEquals(
                SCHEMA_VERSION, dashboard.json().get("schemaVersion").getAsInt(), "schemaVersion");
        Map<String, JsonObject> vars = new TreeMap<>();
        for (JsonElement v :
                Dashboard.array(dashboard.json().getAsJsonObject("templating"), "list")) {
            vars.put(Dashboard.string(v.getAsJsonObject(), "name"), v.getAsJsonObject());
        }
        JsonObject ds = vars.get("datasource");
        assertTrue(
                ds != null
                        && "datasource".equals(Dashboard.string(ds, "type"))
                        && "prometheus".equals(Dashboard.string(ds, "query")),
                "no Prometheus datasource variable: " + vars.keySet());
        JsonObject vm = vars.get("vm_id");
        assertTrue(
                vm != null && "query".equals(Dashboard.string(vm, "type")),
                "no vm_id query variable: " + vars.keySet());
        assertEquals(
                DATASOURCE_UID,
                Dashboard.string(vm.getAsJsonObject("datasource"), "uid"),
                "vm_id's datasource");
        assertEquals(VM_ID_VALUES, Dashboard.string(vm, "definition"));
    }

    /** What the vm_id variable lists; DashboardAgainstDemoTest runs it against the demo. */
    static final String VM_ID_VALUES = "label_values(vmpulse_vm_info, vm_id)";

    @Test
    void every_panel_has_a_query_on_the_datasource_variable() {
        List<String> problems = new ArrayList<>();
        assertFalse(dashboard.panels().isEmpty(), "no panels");
        for (Dashboard.Panel p : dashboard.panels()) {
            if (p.targets().isEmpty()) {
                problems.add(p.name() + ": no target");
            }
            if (!p.json().has("datasource")
                    || !DATASOURCE_UID.equals(
                            Dashboard.string(p.json().getAsJsonObject("datasource"), "uid"))) {
                problems.add(p.name() + ": datasource is not " + DATASOURCE_UID);
            }
            for (Dashboard.Target t : p.targets()) {
                if (t.expr().isBlank()) {
                    problems.add(p.name() + " target " + t.refId() + ": empty query");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /**
     * Grafana's grid is 24 columns wide; overlapping panels are pushed around on load, hiding the
     * layout.
     */
    @Test
    void panels_fit_the_24_column_grid_without_overlapping() {
        List<String> problems = new ArrayList<>();
        List<int[]> placed = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (JsonElement e : Dashboard.array(dashboard.json(), "panels")) {
            JsonObject p = e.getAsJsonObject();
            JsonObject g = p.getAsJsonObject("gridPos");
            String name =
                    "panel "
                            + Dashboard.string(p, "id")
                            + " '"
                            + Dashboard.string(p, "title")
                            + "'";
            int x = g.get("x").getAsInt();
            int y = g.get("y").getAsInt();
            int w = g.get("w").getAsInt();
            int h = g.get("h").getAsInt();
            if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > 24) {
                problems.add(name + ": outside the grid " + g);
            }
            for (int i = 0; i < placed.size(); i++) {
                int[] o = placed.get(i);
                if (x < o[0] + o[2] && o[0] < x + w && y < o[1] + o[3] && o[1] < y + h) {
                    problems.add(name + " overlaps " + names.get(i));
                }
            }
            placed.add(new int[] {x, y, w, h});
            names.add(name);
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void every_query_uses_only_known_variables() {
        List<String> problems = new ArrayList<>();
        for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", "vm-a")) {
            if (GrafanaVariables.hasReference(q.expr())) {
                problems.add(q.name() + ": unknown variable left in " + q.expr());
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The panels under the "VM $vm_id" row show one VM: every selector in them picks it. */
    @Test
    void per_vm_panels_select_only_the_chosen_vm() {
        List<String> problems = new ArrayList<>();
        int perVm = 0;
        for (Dashboard.Panel p : dashboard.panels()) {
            if (!p.row().contains("$vm_id")) {
                continue;
            }
            perVm++;
            for (Dashboard.Target t : p.targets()) {
                for (String name : PromqlNames.of(t.expr())) {
                    Matcher m =
                            Pattern.compile(
                                            "(?<![\\w:])"
                                                    + Pattern.quote(name)
                                                    + "(?![\\w:])\\s*(\\{[^}]*})?")
                                    .matcher(t.expr());
                    while (m.find()) {
                        if (m.group(1) == null || !m.group(1).contains("vm_id=\"$vm_id\"")) {
                            problems.add(
                                    p.name()
                                            + " target "
                                            + t.refId()
                                            + ": "
                                            + name
                                            + " without vm_id=\"$vm_id\"");
                        }
                    }
                }
            }
        }
        assertTrue(perVm > 0, "no row titled with $vm_id");
        assertEquals(List.of(), problems);
    }

    @Test
    void every_query_parses_in_prometheus() throws Exception {
        MonitoringFiles.requirePrometheus();
        List<String> problems = new ArrayList<>();
        try (PrometheusServer prometheus =
                PrometheusServer.start(
                        List.of(MonitoringFiles.RULES, MonitoringFiles.ALERTS), null)) {
            for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", "vm-a")) {
                JsonObject answer = prometheus.query(q.expr());
                if (!"success".equals(Dashboard.string(answer, "status"))) {
                    problems.add(
                            q.name()
                                    + ": "
                                    + Dashboard.string(answer, "error")
                                    + " in "
                                    + q.expr());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void dashboard_reads_only_recorded_series_that_rules_yml_records() throws Exception {
        Set<String> recorded =
                RuleFiles.load(MonitoringFiles.RULES).recordings().stream()
                        .map(RuleFiles.Recording::name)
                        .collect(Collectors.toSet());
        Map<String, String> unknown = new TreeMap<>();
        for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", "vm-a")) {
            for (String name : PromqlNames.of(q.expr())) {
                if (name.contains(":") && !recorded.contains(name)) {
                    unknown.put(name, q.name());
                }
            }
        }
        assertEquals(Map.of(), unknown);
    }

    /**
     * docs/metrics.md is the exporter's list of what it emits (checked against the exporter there).
     */
    @Test
    void dashboard_and_rules_use_only_metrics_in_docs_metrics_md() throws Exception {
        Prerequisites.require(
                Files.isRegularFile(MonitoringFiles.METRICS_DOC),
                MonitoringFiles.METRICS_DOC + " is missing: the exporter writes it (issue 12)");
        Set<String> documented = new TreeSet<>();
        Matcher m = DOCUMENTED_NAME.matcher(Files.readString(MonitoringFiles.METRICS_DOC));
        while (m.find()) {
            documented.add(m.group());
        }
        Map<String, String> unknown = new TreeMap<>();
        for (PanelQuery q : PanelQuery.of(dashboard, "prometheus", "vm-a")) {
            for (String name : PromqlNames.of(q.expr())) {
                if (!name.contains(":") && !documented.contains(name)) {
                    unknown.put(name, q.name());
                }
            }
        }
        RuleFiles rules = RuleFiles.load(MonitoringFiles.RULES, MonitoringFiles.ALERTS);
        for (RuleFiles.Recording r : rules.recordings()) {
            PromqlNames.of(r.expr()).stream()
                    .filter(n -> !n.contains(":") && !documented.contains(n))
                    .forEach(n -> unknown.put(n, "recording rule " + r.name()));
        }
        for (RuleFiles.Alert a : rules.alerts()) {
            PromqlNames.of(a.expr()).stream()
                    .filter(n -> !n.contains(":") && !documented.contains(n))
                    .forEach(n -> unknown.put(n, "alert " + a.name()));
        }
        assertEquals(Map.of(), unknown, "metric names not in " + MonitoringFiles.METRICS_DOC);
    }
}
