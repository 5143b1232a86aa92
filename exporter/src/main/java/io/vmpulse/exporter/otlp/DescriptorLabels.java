package io.vmpulse.exporter.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.regex.Pattern;

/**
 * The VM descriptor's labels, as the registry's {@code labels} field carries them: {@code
 * key=value} entries joined by newlines. They become resource attributes under their own key.
 *
 * <p>The collector writes only valid keys, but this reader does not rely on it: an entry whose key
 * is not {@code [a-zA-Z_][a-zA-Z0-9_]*}, or that has no {@code =}, is skipped; at most {@link
 * #MAX_LABELS} are taken and values are capped. Keys never contain a dot, so a label can never
 * shadow a semantic-convention attribute such as {@code host.id}.
 */
final class DescriptorLabels {

    static final int MAX_LABELS = 64;
    private static final Pattern KEY = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,62}");

    private DescriptorLabels() {}

    /** Adds every valid entry of {@code text} to {@code into}; returns how many were added. */
    static int addTo(String text, AttributesBuilder into) {
        int added = 0;
        int from = 0;
        while (from < text.length() && added < MAX_LABELS) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl;
            int eq = text.indexOf('=', from);
            if (eq > from && eq < end) {
                String key = text.substring(from, eq);
                if (KEY.matcher(key).matches()) {
                    into.put(
                            AttributeKey.stringKey(key),
                            AttributeText.cap(text.substring(eq + 1, end)));
                    added++;
                }
            }
            from = end + 1;
        }
        return added;
    }
}
