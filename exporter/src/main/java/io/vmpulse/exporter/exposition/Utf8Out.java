package io.vmpulse.exporter.exposition;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A byte buffer in front of the response: strings go in as UTF-8 (a lone surrogate as {@code ?}, as
 * the JDK's encoder writes it), numbers as digits, without an object per value; full buffers go to
 * the stream, so the page is never held whole.
 */
final class Utf8Out {

    static final int CAPACITY = 64 * 1024;

    /** Every long below 2^53 is an exact double, and prints as its digits. */
    private static final double EXACT_LONGS = 0x1p53;

    private static final long NANOS = 1_000_000_000L;

    private final OutputStream out;
    private final byte[] buf = new byte[CAPACITY];
    private int pos;

    Utf8Out(OutputStream out) {
        this.out = out;
    }

    void write(int b) throws IOException {
        if (pos == CAPACITY) {
            drain();
        }
        buf[pos++] = (byte) b;
    }

    void write(byte[] b) throws IOException {
        if (b.length > CAPACITY - pos) {
            drain();
            if (b.length > CAPACITY) {
                out.write(b);
                return;
            }
        }
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /** {@code s} as UTF-8, unescaped: names and text that cannot hold a character to escape. */
    void text(String s) throws IOException {
        escaped(s, false, false);
    }

    /**
     * {@code s} as UTF-8 with backslash and newline escaped, and the double quote too when {@code
     * quote}: label values and OpenMetrics help need all three, Prometheus text help the first two.
     */
    void escaped(String s, boolean quote) throws IOException {
        escaped(s, true, quote);
    }

    private void escaped(String s, boolean escape, boolean quote) throws IOException {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (pos > CAPACITY - 4) {
                drain();
            }
            if (c < 0x80) {
                if (escape && (c == '\\' || c == '\n' || (quote && c == '"'))) {
                    buf[pos++] = '\\';
                    buf[pos++] = (byte) (c == '\n' ? 'n' : c);
                } else {
                    buf[pos++] = (byte) c;
                }
            } else if (c < 0x800) {
                buf[pos++] = (byte) (0xc0 | c >> 6);
                buf[pos++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < n
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[pos++] = (byte) (0xf0 | cp >> 18);
                buf[pos++] = (byte) (0x80 | cp >> 12 & 0x3f);
                buf[pos++] = (byte) (0x80 | cp >> 6 & 0x3f);
                buf[pos++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                buf[pos++] = '?';
            } else {
                buf[pos++] = (byte) (0xe0 | c >> 12);
                buf[pos++] = (byte) (0x80 | c >> 6 & 0x3f);
                buf[pos++] = (byte) (0x80 | c & 0x3f);
            }
        }
    }

    /**
     * A sample value, parsing back to exactly {@code d}: whole numbers below 2^53 (most values) as
     * {@link Double#toString} writes them, as the library does, but without making a string; values
     * that are a whole number of nanoseconds (seconds from the registry's nanosecond counters) as
     * {@code S.NNNNNNNNN} with trailing zeros cut; anything else as {@link Double#toString} does
     * it.
     */
    void value(double d) throws IOException {
        if (Double.isNaN(d)) {
            text("NaN");
        } else if (Double.isInfinite(d)) {
            text(d > 0 ? "+Inf" : "-Inf");
        } else if (d == Math.rint(d) && Math.abs(d) < EXACT_LONGS) {
            whole(d);
        } else if (!nanos(d)) {
            text(Double.toString(d));
        }
    }

    /**
     * {@code d}, a whole number below 2^53, as {@link Double#toString} writes it: {@code 123.0}
     * below 10^7, {@code 1.2345678E7} from there on. Its shortest distinguishing digits are its
     * own, since neighbouring doubles there are at most 1 apart.
     */
    private void whole(double d) throws IOException {
        if (Double.doubleToRawLongBits(d) < 0) {
            write('-');
        }
        long v = Math.abs((long) d);
        if (v < 10_000_000L) {
            digits(v);
            write('.');
            write('0');
            return;
        }
        int exponent = 0;
        long p = 1;
        while (v / p >= 10) {
            p *= 10;
            exponent++;
        }
        long rest = v % p;
        digits(v / p);
        write('.');
        if (rest == 0) {
            write('0');
        } else {
            int len = exponent;
            while (rest % 10 == 0) {
                rest /= 10;
                len--;
            }
            padded(rest, len);
        }
        write('E');
        digits(exponent);
    }

    /**
     * Writes {@code d} as a decimal with at most nine fractional digits when that decimal is
     * exactly n / 10^9 for an n below 2^53 whose quotient, correctly rounded, is {@code d}: then
     * the text parses back to {@code d}. False, having written nothing, otherwise.
     */
    private boolean nanos(double d) throws IOException {
        double abs = Math.abs(d);
        if (abs >= EXACT_LONGS / NANOS) {
            return false;
        }
        long n = Math.round(abs * NANOS);
        if ((double) n / NANOS != abs) {
            return false;
        }
        if (d < 0) {
            write('-');
        }
        digits(n / NANOS);
        long frac = n % NANOS;
        if (frac == 0) {
            return true;
        }
        write('.');
        int len = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            len--;
        }
        padded(frac, len);
        return true;
    }

    /** {@code v} in exactly {@code len} digits, zeros in front. */
    private void padded(long v, int len) throws IOException {
        if (pos > CAPACITY - 20) {
            drain();
        }
        for (int i = len - 1; i >= 0; i--) {
            buf[pos + i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        pos += len;
    }

    /** {@code v} in decimal; v is never Long.MIN_VALUE here (callers pass |v| < 2^53). */
    private void digits(long v) throws IOException {
        if (pos > CAPACITY - 20) {
            drain();
        }
        if (v < 0) {
            buf[pos++] = '-';
            v = -v;
        }
        int len = 1;
        for (long t = v; t >= 10; t /= 10) {
            len++;
        }
        for (int i = len - 1; i >= 0; i--) {
            buf[pos + i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        pos += len;
    }

    /** Hands everything buffered to the stream. */
    void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }
}
