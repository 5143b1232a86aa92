package io.vmpulse.collector.ingest;

/**
 * Makes text that came from a guest safe to put in a log line: control characters (newlines, ANSI
 * escapes, NUL), backslashes, quotes and anything outside printable ASCII are written as hex
 * escapes (backslash, x or u, the code in hex), and long text is cut, so that a guest can neither
 * forge a log line nor repaint an operator's terminal, and one line stays one line.
 */
public final class LogText {

    /** Longest part of a guest's text kept in one log line. */
    static final int MAX_CHARS = 128;

    private LogText() {}

    /** {@code s} quoted and escaped; at most {@link #MAX_CHARS} of it, then a count of the rest. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 8).append('"');
        int n = Math.min(s.length(), MAX_CHARS);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                b.append(c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        b.append('"');
        if (s.length() > n) {
            b.append("...(").append(s.length() - n).append(" more chars)");
        }
        return b.toString();
    }
}
