package io.vmpulse.exporter.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A parser for the Prometheus text format as the exporter writes it, for assertions. */
public final class Exposition {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String k) {
            return labels.get(k);
        }
    }

    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, String> helps = new LinkedHashMap<>();

    public static Exposition parse(String text) {
        Exposition e = new Exposition();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ", 4);
                e.types.put(p[2], p[3]);
            } else if (line.startsWith("# HELP ")) {
                String[] p = line.split(" ", 4);
                e.helps.put(p[2], p.length > 3 ? p[3] : "");
            } else if (!line.startsWith("#")) {
                e.samples.add(sample(line));
            }
        }
        return e;
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                StringBuilder v = new StringBuilder();
                int j = eq + 2; // past ="
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            rest = i + 2;
        } else {
            name = line.substring(0, space);
            rest = space + 1;
        }
        String value = line.substring(rest).split(" ")[0];
        return new Sample(
                name,
                labels,
                Double.parseDouble(value.replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Families with a TYPE line, by name, to their type. */
    public Map<String, String> types() {
        return types;
    }

    public Map<String, String> helps() {
        return helps;
    }

    public List<Sample> named(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    /**
     * The one sample of {@code name} whose labels include all of {@code labels} (k, v, k, v...).
     */
    public Sample one(String name, String... labels) {
        List<Sample> found =
                samples.stream().filter(s -> s.name.equals(name) && matches(s, labels)).toList();
        if (found.size() != 1) {
            throw new AssertionError(
                    found.size() + " samples of " + name + " " + List.of(labels) + ": " + found);
        }
        return found.get(0);
    }

    public boolean has(String name, String... labels) {
        return samples.stream().anyMatch(s -> s.name.equals(name) && matches(s, labels));
    }

    public TreeSet<String> sampleNames() {
        TreeSet<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name));
        return names;
    }

    private static boolean matches(Sample s, String[] labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
