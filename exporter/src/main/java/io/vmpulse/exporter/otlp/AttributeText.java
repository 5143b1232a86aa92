package io.vmpulse.exporter.otlp;

/**
 * Bounds the text that goes into attribute values. Guest strings are untrusted and the registry's
 * field sizes bound them today, but a later ABI may widen a field, and one long value repeated in
 * every point of a thousand VMs is what makes a request too large for the receiver.
 */
final class AttributeText {

    /** Longest attribute value sent, in UTF-16 chars (a surrogate pair is never split). */
    static final int MAX_VALUE_CHARS = 256;

    private AttributeText() {}

    /** {@code s} cut to {@link #MAX_VALUE_CHARS}, without leaving half a surrogate pair. */
    static String cap(String s) {
        if (s.length() <= MAX_VALUE_CHARS) {
            return s;
        }
        int end = MAX_VALUE_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
