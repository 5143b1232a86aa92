package io.vmpulse.exporter.metrics;

/**
 * Label values from the registry, most of them guest-reported and so untrusted. The exposition
 * formats escape backslashes, quotes and newlines themselves; this bounds the length and replaces
 * every other control character, so that no value can disturb a line-based consumer, a terminal or
 * a dashboard legend. Invalid UTF-8 never gets here: the registry reader decodes it to U+FFFD.
 */
public final class LabelValues {

    /** Longer than any registry string (the longest, labels, is 512 bytes). */
    public static final int MAX_CHARS = 1024;

    private static final char REPLACEMENT = '\uFFFD';

    private LabelValues() {}

    /** {@code raw}, or a copy with control characters replaced and cut to {@link #MAX_CHARS}. */
    public static String clean(String raw) {
        int n = raw.length();
        boolean dirty = n > MAX_CHARS;
        for (int i = 0; i < n && !dirty; i++) {
            char c = raw.charAt(i);
            dirty = isControl(c) || Character.isSurrogate(c) && !pairedAt(raw, i);
        }
        if (!dirty) {
            return raw; // the common case allocates nothing
        }
        int end = Math.min(n, MAX_CHARS);
        if (end < n && Character.isHighSurrogate(raw.charAt(end - 1))) {
            end--; // never cut a pair in half: a lone surrogate is not encodable
        }
        StringBuilder b = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = raw.charAt(i);
            b.append(
                    isControl(c) || (Character.isSurrogate(c) && !pairedAt(raw, i))
                            ? REPLACEMENT
                            : c);
        }
        return b.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f);
    }

    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
