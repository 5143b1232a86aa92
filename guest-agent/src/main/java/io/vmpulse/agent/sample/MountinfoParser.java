package io.vmpulse.agent.sample;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code /proc/self/mountinfo}. A line is
 *
 * <pre>
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2) (3)  (4)   (5)         (6)        (7...)  (8) (9)  (10)      (11)
 * </pre>
 *
 * mount id, parent id, major:minor, root, mount point, mount options, zero or more optional fields,
 * a {@code -} separator, fs type, source, super options. The kernel escapes space, tab, newline and
 * backslash in paths as three octal digits ({@code \040}); they are decoded here.
 *
 * <p>This allocates (strings, one record per line); the caller parses again only when the content
 * has changed.
 */
final class MountinfoParser {

    private MountinfoParser() {}

    static List<Mount> parse(String source, byte[] text) {
        List<Mount> mounts = new ArrayList<>();
        int start = 0;
        while (start < text.length) {
            int end = start;
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            if (end > start) {
                mounts.add(
                        parseLine(
                                source,
                                new String(text, start, end - start, StandardCharsets.ISO_8859_1)));
            }
            start = end + 1;
        }
        return mounts;
    }

    /** {@code line} holds one byte per char (ISO-8859-1), so paths keep their raw bytes. */
    private static Mount parseLine(String source, String line) {
        String[] f = line.split(" ");
        int separator = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                separator = i;
                break;
            }
        }
        if (separator < 0 || separator + 3 >= f.length) {
            throw new ProcFormatException(
                    source
                            + ": expected \"id parent major:minor root mount-point options"
                            + " [optional...] - type source super-options\" in line \""
                            + line
                            + "\"");
        }
        int colon = f[2].indexOf(':');
        if (colon < 0) {
            throw new ProcFormatException(
                    source
                            + ": expected major:minor, got \""
                            + f[2]
                            + "\" in line \""
                            + line
                            + "\"");
        }
        try {
            byte[] mountPoint = unescape(f[4]);
            boolean readOnly = hasOption(f[5], "ro") || hasOption(f[separator + 3], "ro");
            return new Mount(
                    Integer.parseInt(f[0]),
                    Integer.parseInt(f[1]),
                    Integer.parseInt(f[2], 0, colon, 10),
                    Integer.parseInt(f[2], colon + 1, f[2].length(), 10),
                    utf8(unescape(f[3])),
                    utf8(mountPoint),
                    mountPoint,
                    utf8(unescape(f[separator + 1])),
                    utf8(unescape(f[separator + 2])),
                    readOnly);
        } catch (NumberFormatException e) {
            throw new ProcFormatException(
                    source + ": " + e.getMessage() + " in line \"" + line + "\"");
        }
    }

    /** Decodes {@code \ooo} octal escapes; a backslash not followed by three octal digits stays. */
    static byte[] unescape(String field) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && isOctal(field, i + 1)
                    && isOctal(field, i + 2)
                    && isOctal(field, i + 3)) {
                out.write(
                        (field.charAt(i + 1) - '0') << 6
                                | (field.charAt(i + 2) - '0') << 3
                                | field.charAt(i + 3) - '0');
                i += 3;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }

    private static boolean hasOption(String options, String option) {
        for (String o : options.split(",")) {
            if (o.equals(option)) {
                return true;
            }
        }
        return false;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
