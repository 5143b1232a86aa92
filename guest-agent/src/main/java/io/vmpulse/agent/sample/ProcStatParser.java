package io.vmpulse.agent.sample;

import java.nio.ByteBuffer;

/**
 * Parses {@code /proc/stat} (proc(5)) into a {@link CpuSnapshot} without allocating.
 *
 * <p>CPU lines carry 4 to 10 values depending on the kernel (iowait/irq/softirq since 2.6.0, steal
 * 2.6.11, guest 2.6.24, guest_nice 2.6.33); missing ones read as 0 and the aggregate's count is
 * kept in {@link CpuSnapshot#columns}. Offline CPUs have no line, so ids are read from the line,
 * never assumed contiguous. Lines this parser does not know ({@code intr}, {@code softirq},
 * anything newer) are skipped.
 */
final class ProcStatParser {

    private static final byte[] CPU = AsciiCursor.ascii("cpu");
    private static final byte[] CTXT = AsciiCursor.ascii("ctxt ");
    private static final byte[] BTIME = AsciiCursor.ascii("btime ");
    private static final byte[] PROCESSES = AsciiCursor.ascii("processes ");
    private static final byte[] PROCS_RUNNING = AsciiCursor.ascii("procs_running ");
    private static final byte[] PROCS_BLOCKED = AsciiCursor.ascii("procs_blocked ");

    private final AsciiCursor cursor;

    ProcStatParser(String source) {
        this.cursor = new AsciiCursor(source);
    }

    void parse(ByteBuffer text, CpuSnapshot into) {
        into.clear();
        cursor.reset(text);
        boolean sawAggregate = false;
        while (cursor.hasLine()) {
            if (cursor.skipKey(CPU)) {
                if (cursor.atDigit()) {
                    long id = cursor.nextUnsigned();
                    if (id > Integer.MAX_VALUE) {
                        throw cursor.error("CPU number out of range");
                    }
                    int offset = into.addCpu((int) id);
                    if (offset >= 0) {
                        readModes(into.cpuTicks, offset);
                    }
                } else if (cursor.atBlank()) {
                    into.columns = readModes(into.totalTicks, 0);
                    sawAggregate = true;
                }
            } else if (cursor.skipKey(CTXT)) {
                into.contextSwitches = value();
            } else if (cursor.skipKey(BTIME)) {
                into.bootTimeSeconds = value();
            } else if (cursor.skipKey(PROCESSES)) {
                into.forks = value();
            } else if (cursor.skipKey(PROCS_RUNNING)) {
                into.procsRunning = value();
            } else if (cursor.skipKey(PROCS_BLOCKED)) {
                into.procsBlocked = value();
            }
            cursor.nextLine();
        }
        if (!sawAggregate) {
            throw new ProcFormatException(cursor.source() + ": no aggregate \"cpu\" line");
        }
    }

    /**
     * Reads the values of a CPU line into {@code ticks[offset..]}; returns how many it found (at
     * most MODES).
     */
    private int readModes(long[] ticks, int offset) {
        int n = 0;
        cursor.skipBlanks();
        while (!cursor.atLineEnd()) {
            long v = cursor.nextUnsigned();
            if (n < CpuSnapshot.MODES) {
                ticks[offset + n] = v;
            }
            n++;
            cursor.skipBlanks();
        }
        if (n < CpuSnapshot.MIN_MODES) {
            throw cursor.error(
                    "CPU line has "
                            + n
                            + " values, expected "
                            + CpuSnapshot.MIN_MODES
                            + " to "
                            + CpuSnapshot.MODES);
        }
        return Math.min(n, CpuSnapshot.MODES);
    }

    private long value() {
        cursor.skipBlanks();
        return cursor.nextUnsigned();
    }
}
