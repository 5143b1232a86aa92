package io.vmpulse.exporter.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * VM descriptor labels as Prometheus label names, the way kube-state-metrics turns Kubernetes
 * labels into {@code kube_pod_labels}: keys in sorted order, {@code label_} + the key with every
 * character outside {@code [a-zA-Z0-9_]} replaced by {@code _} and camelCase turned into
 * snake_case; keys that end up equal get {@code _conflict1}, {@code _conflict2}, ... in key order.
 */
final class VmLabelNames {

    private VmLabelNames() {}

    /**
     * Parses the registry's {@code labels} field ("key=value" entries joined by newlines) into
     * Prometheus label names and values; entries without '=' or with an empty key are skipped, a
     * repeated key keeps its first value.
     */
    static Map<String, String> parse(String field) {
        Map<String, String> out = new TreeMap<>();
        for (String entry : field.split("\n")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                out.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return out;
    }

    /** Prometheus names for {@code keys}, in the keys' sorted order. */
    static List<String> names(List<String> sortedKeys) {
        List<String> names = new ArrayList<>(sortedKeys.size());
        Map<String, int[]> conflicts = new HashMap<>(); // name -> {count, index of its first use}
        for (String key : sortedKeys) {
            String name = "label_" + snakeCase(sanitise(key));
            int[] c = conflicts.get(name);
            if (c == null) {
                conflicts.put(name, new int[] {1, names.size()});
                names.add(name);
                continue;
            }
            if (c[0] == 1) {
                names.set(c[1], names.get(c[1]) + "_conflict1");
            }
            c[0]++;
            names.add(name + "_conflict" + c[0]);
        }
        return names;
    }

    static String sanitise(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '_';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }

    /**
     * An underscore between a lower-case letter or digit and the capital after it, then lower case.
     */
    static String snakeCase(String s) {
        StringBuilder b = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (i > 0 && c >= 'A' && c <= 'Z') {
                char p = s.charAt(i - 1);
                if ((p >= 'a' && p <= 'z') || (p >= '0' && p <= '9')) {
                    b.append('_');
                }
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }
}
