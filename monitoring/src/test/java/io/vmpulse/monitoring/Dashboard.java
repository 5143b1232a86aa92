package io.vmpulse.monitoring;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard as the tests see it: its panels in order (rows flattened, a collapsed row's
 * own panels included), each with the row it sits under and its Prometheus targets.
 */
final class Dashboard {

    /**
     * @param legend Grafana's legend format, {@code {{label}}} for a label's value
     */
    record Target(String refId, String expr, String legend, boolean instant) {

        private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

        /** The labels the legend shows: a series without one of them has a blank in its name. */
        Set<String> legendLabels() {
            Set<String> labels = new TreeSet<>();
            Matcher m = LEGEND_LABEL.matcher(legend);
            while (m.find()) {
                labels.add(m.group(1));
            }
            return labels;
        }
    }

    record Panel(
            int id, String type, String title, String row, JsonObject json, List<Target> targets) {

        String name() {
            return "panel " + id + " '" + title + "'";
        }
    }

    private final JsonObject json;
    private final List<Panel> panels = new ArrayList<>();

    private Dashboard(JsonObject json) {
        this.json = json;
        String row = "";
        for (JsonElement e : array(json, "panels")) {
            JsonObject p = e.getAsJsonObject();
            if ("row".equals(string(p, "type"))) {
                row = string(p, "title");
                for (JsonElement inner : array(p, "panels")) {
                    add(inner.getAsJsonObject(), row);
                }
            } else {
                add(p, row);
            }
        }
    }

    /** Fails (with the parser's message) unless the file is one JSON object. */
    static Dashboard load(Path file) throws IOException {
        return new Dashboard(JsonParser.parseString(Files.readString(file)).getAsJsonObject());
    }

    JsonObject json() {
        return json;
    }

    List<Panel> panels() {
        return panels;
    }

    private void add(JsonObject p, String row) {
        List<Target> targets = new ArrayList<>();
        for (JsonElement t : array(p, "targets")) {
            JsonObject target = t.getAsJsonObject();
            targets.add(
                    new Target(
                            string(target, "refId"),
                            string(target, "expr"),
                            string(target, "legendFormat"),
                            target.has("instant")
                                    && target.get("instant").getAsBoolean()
                                    && !(target.has("range")
                                            && target.get("range").getAsBoolean())));
        }
        panels.add(
                new Panel(
                        p.has("id") ? p.get("id").getAsInt() : -1,
                        string(p, "type"),
                        string(p, "title"),
                        row,
                        p,
                        targets));
    }

    static JsonArray array(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonArray() ? o.getAsJsonArray(key) : new JsonArray();
    }

    static String string(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : "";
    }
}
