package io.vmpulse.registry.read;

import io.vmpulse.registry.layout.VmRecord;

/**
 * Registry text made safe to print. Some text fields come from the untrusted guest, and a terminal
 * obeys what it is sent: an ESC starts a sequence that can clear the screen, move the cursor or set
 * the window title, and a newline forges an output line. The writer stores no control characters,
 * but a reader must not rely on a file it did not write: every printer passes text through here (or
 * escapes it as JSON does).
 *
 * <p>The same rules as the C and Python readers: control characters (U+0000..U+001F,
 * U+007F..U+009F) print as {@code \xNN}, a backslash as {@code \\}; invalid UTF-8 was already
 * decoded to U+FFFD.
 */
public final class TerminalText {

    private TerminalText() {}

    /** True for C0 controls, DEL and C1 controls. */
    public static boolean isControl(int c) {
        return VmRecord.isControl(c);
    }

    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        append(b, s);
        return b.toString();
    }

    public static void append(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (isControl(c)) {
                b.append("\\x")
                        .append(Character.forDigit(c >> 4, 16))
                        .append(Character.forDigit(c & 0xF, 16));
            } else {
                b.append(c);
            }
        }
    }
}
