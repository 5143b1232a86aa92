package io.vmpulse.agent.sample;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Walks the text of a {@code /proc} file line by line, without allocating: keys are compared as
 * bytes and numbers are parsed as they are scanned. Only error messages allocate (and a text longer
 * than any before, once).
 *
 * <p>The text is first copied out of its (direct) buffer into a reused array in one bulk copy:
 * reading a direct buffer byte by byte costs an index check and a memory-access call per byte,
 * which C1 does not fold away, and that was the largest Java symbol in a profile of the agent
 * (docs/benchmarks.md, "Guest agent: footprint").
 */
final class AsciiCursor {

    private static final long U64_MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final int U64_MAX_LAST_DIGIT = (int) Long.remainderUnsigned(-1L, 10);

    private final String source;
    private byte[] text = new byte[0];
    private int limit;
    private int pos;
    private int lineStart;

    AsciiCursor(String source) {
        this.source = source;
    }

    /** Starts at the beginning of {@code content}, which ends at its limit. */
    void reset(ByteBuffer content) {
        int length = content.limit();
        if (text.length < length) {
            text = new byte[Math.max(length, text.length * 2)];
        }
        content.get(0, text, 0, length);
        this.limit = length;
        this.pos = 0;
        this.lineStart = 0;
    }

    String source() {
        return source;
    }

    boolean hasLine() {
        return pos < limit;
    }

    /** Whether the current line starts with {@code key}; if so, moves past it. */
    boolean skipKey(byte[] key) {
        if (limit - pos < key.length) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (text[pos + i] != key[i]) {
                return false;
            }
        }
        pos += key.length;
        return true;
    }

    boolean atDigit() {
        return pos < limit && isDigit(text[pos]);
    }

    boolean atBlank() {
        return pos < limit && isBlank(text[pos]);
    }

    /** Skips spaces and tabs, stopping at the end of the line. */
    void skipBlanks() {
        while (atBlank()) {
            pos++;
        }
    }

    boolean atLineEnd() {
        return pos >= limit || text[pos] == '\n';
    }

    /** Parses the unsigned decimal at the cursor (the kernel prints u64, so it may exceed 2^63). */
    long nextUnsigned() {
        if (!atDigit()) {
            throw error("expected a number");
        }
        long value = 0;
        while (pos < limit && isDigit(text[pos])) {
            int digit = text[pos] - '0';
            if (Long.compareUnsigned(value, U64_MAX_DIV_10) > 0
                    || value == U64_MAX_DIV_10 && digit > U64_MAX_LAST_DIGIT) {
                throw error("number larger than 2^64-1");
            }
            value = value * 10 + digit;
            pos++;
        }
        return value;
    }

    /** Moves to the start of the next line. */
    void nextLine() {
        while (pos < limit && text[pos] != '\n') {
            pos++;
        }
        pos = Math.min(pos + 1, limit);
        lineStart = pos;
    }

    ProcFormatException error(String what) {
        int end = lineStart;
        while (end < limit && text[end] != '\n') {
            end++;
        }
        byte[] line = new byte[Math.min(end - lineStart, 200)];
        System.arraycopy(text, lineStart, line, 0, line.length);
        return new ProcFormatException(
                source
                        + ": "
                        + what
                        + " at column "
                        + (pos - lineStart + 1)
                        + " of line \""
                        + new String(line, StandardCharsets.US_ASCII)
                        + "\"");
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
