package io.vmpulse.agent.report;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The agent's log: one line a record on stderr, {@code 2026-11-29T15:40:01.123Z INFO CollectorLink:
 * message}, then the stack trace of a thrown exception, if any. journald and the serial console
 * show it next to their own timestamps; the agent's is UTC, to the millisecond.
 *
 * <p>Why not {@code java.util.logging}: the agent logs a few lines a day, and the logging framework
 * (its LogManager, handlers, levels, records and formatter) is ~50 classes loaded in every VM; its
 * {@code SimpleFormatter} goes through {@link java.util.Formatter} and {@code java.time}, ~400 more
 * (docs/benchmarks.md, "Guest agent: footprint"). The timestamp is written here from the epoch
 * milliseconds with the civil-from-days algorithm (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms").
 */
public final class LogLine {

    private static final long MILLIS_PER_DAY = 86_400_000L;

    private LogLine() {}

    public static void info(Class<?> source, String message) {
        log("INFO", source, message, null);
    }

    public static void warning(Class<?> source, String message) {
        log("WARNING", source, message, null);
    }

    public static void warning(Class<?> source, String message, Throwable thrown) {
        log("WARNING", source, message, thrown);
    }

    /** One write of the whole record, so that lines of two threads never interleave. */
    private static void log(String level, Class<?> source, String message, Throwable thrown) {
        System.err.print(
                format(System.currentTimeMillis(), level, source.getSimpleName(), message, thrown));
        System.err.flush();
    }

    static String format(
            long epochMillis, String level, String source, String message, Throwable thrown) {
        StringBuilder b = new StringBuilder(96);
        appendUtc(b, epochMillis);
        b.append(' ')
                .append(level)
                .append(' ')
                .append(source)
                .append(": ")
                .append(message)
                .append('\n');
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            b.append(trace);
        }
        return b.toString();
    }

    /** Appends {@code epochMillis} as {@code yyyy-MM-ddTHH:mm:ss.SSSZ}; years 0 to 9999. */
    static void appendUtc(StringBuilder b, long epochMillis) {
        long days = Math.floorDiv(epochMillis, MILLIS_PER_DAY);
        long millisOfDay = Math.floorMod(epochMillis, MILLIS_PER_DAY);
        // Days since 0000-03-01, in 400-year eras of 146,097 days; March first puts the leap day
        // last.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra =
                (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long monthFromMarch = (5 * dayOfYear + 2) / 153;
        long day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
        long month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        pad(b, year, 4).append('-');
        pad(b, month, 2).append('-');
        pad(b, day, 2).append('T');
        pad(b, millisOfDay / 3_600_000, 2).append(':');
        pad(b, millisOfDay / 60_000 % 60, 2).append(':');
        pad(b, millisOfDay / 1000 % 60, 2).append('.');
        pad(b, millisOfDay % 1000, 3).append('Z');
    }

    private static StringBuilder pad(StringBuilder b, long value, int width) {
        for (long limit = 10; width > 1; width--, limit *= 10) {
            if (value < limit) {
                b.append('0');
            }
        }
        return b.append(value);
    }
}
