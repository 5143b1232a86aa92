package io.vmpulse.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One panel target's query with Grafana's variables filled in, as Prometheus would receive it. */
record PanelQuery(Dashboard.Panel panel, Dashboard.Target target, String expr) {

    /**
     * What Grafana would put in for its built-in variables with a 1 s scrape interval configured on
     * the data source, for a 1 minute time range.
     */
    static final Map<String, String> BUILT_INS =
            Map.of(
                    "__rate_interval",
                    "15s",
                    "__interval",
                    "1s",
                    "__interval_ms",
                    "1000",
                    "__range",
                    "1m",
                    "__range_s",
                    "60",
                    "__range_ms",
                    "60000");

    static List<PanelQuery> of(Dashboard dashboard, String datasource, String vmId) {
        Map<String, String> values = new java.util.HashMap<>(BUILT_INS);
        values.put("datasource", datasource);
        values.put("vm_id", vmId);
        List<PanelQuery> queries = new ArrayList<>();
        for (Dashboard.Panel p : dashboard.panels()) {
            for (Dashboard.Target t : p.targets()) {
                queries.add(new PanelQuery(p, t, GrafanaVariables.substitute(t.expr(), values)));
            }
        }
        return queries;
    }

    String name() {
        return panel.name() + " target " + target.refId();
    }
}
