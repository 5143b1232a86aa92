package io.vmpulse.monitoring;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Whether a Prometheus API answer holds what a panel needs for the demo's VM. */
final class DemoVmSeries {

    /** DemoCommand registers one VM with this id. */
    static final String VM = "local";

    private DemoVmSeries() {}

    /**
     * Null when the query returns a series for the demo VM that carries every label its legend
     * shows, else what is wrong. A query whose series carry no vm_id (a fleet aggregate) and whose
     * legend names none counts when it returns anything: the demo's VM is the only one scraped.
     */
    static String problem(PanelQuery q, JsonObject answer) {
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
            if (DemoGaps.LEGEND_LABELS.containsKey(DemoGaps.key(q) + "/" + label)) {
                legend.remove(label);
                lacking.add(label);
            }
        }
        List<JsonObject> candidates = new ArrayList<>();
        for (JsonElement s : series) {
            JsonObject metric = s.getAsJsonObject().getAsJsonObject("metric");
            boolean demoVm = metric.has("vm_id") && VM.equals(metric.get("vm_id").getAsString());
            if (demoVm || !(legend.contains("vm_id") || metric.has("vm_id"))) {
                candidates.add(metric);
            }
        }
        if (candidates.isEmpty()) {
            return "series, none for vm_id=\"" + VM + "\", from " + q.expr() + ": " + series;
        }
        if (candidates.stream().noneMatch(m -> legend.stream().allMatch(m::has))) {
            return "no series with every label the legend '"
                    + q.target().legend()
                    + "' shows, from "
                    + q.expr()
                    + ": "
                    + candidates;
        }
        for (String label : lacking) {
            if (candidates.stream().anyMatch(m -> m.has(label))) {
                return "listed in DemoGaps.LEGEND_LABELS for label "
                        + label
                        + " ("
                        + DemoGaps.LEGEND_LABELS.get(DemoGaps.key(q) + "/" + label)
                        + ") but the demo's series carry it: remove it from the list";
            }
        }
        return null;
    }

    /**
     * Series carrying a vm_id must include the demo's; an aggregate over all VMs carries none and
     * counts as long as it returns anything (the demo's VM is the only one scraped).
     */
    static boolean hasVm(JsonArray series) {
        boolean anyVmId = false;
        for (JsonElement s : series) {
            JsonObject metric = s.getAsJsonObject().getAsJsonObject("metric");
            if (metric.has("vm_id")) {
                anyVmId = true;
                if (VM.equals(metric.get("vm_id").getAsString())) {
                    return true;
                }
            }
        }
        return !anyVmId && !series.isEmpty();
    }

    /** The series of a query or query_range answer; none for an error answer. */
    static JsonArray result(JsonObject answer) {
        JsonObject data = answer.getAsJsonObject("data");
        return data == null ? new JsonArray() : data.getAsJsonArray("result");
    }
}
