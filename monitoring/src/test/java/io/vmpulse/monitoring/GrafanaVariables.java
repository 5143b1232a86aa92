package io.vmpulse.monitoring;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grafana's variable interpolation in a query, as the data source would receive it: {@code $name},
 * {@code ${name}}, {@code ${name:format}} and the old {@code [[name]]}. A variable that is not in
 * the map is left as it is, so that a test can see it.
 */
final class GrafanaVariables {

    private static final Pattern REFERENCE =
            Pattern.compile("\\$\\{(\\w+)(?::[^}]*)?}|\\[\\[(\\w+)(?::[^\\]]*)?]]|\\$(\\w+)");

    private GrafanaVariables() {}

    static String substitute(String query, Map<String, String> values) {
        Matcher m = REFERENCE.matcher(query);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name =
                    m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = values.get(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Whether a variable reference is left in the query. */
    static boolean hasReference(String query) {
        return REFERENCE.matcher(query).find();
    }
}
