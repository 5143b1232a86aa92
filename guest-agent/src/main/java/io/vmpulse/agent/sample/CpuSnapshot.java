package io.vmpulse.agent.sample;

import java.util.Arrays;

/**
 * What one read of {@code /proc/stat} said, in USER_HZ ticks as the kernel printed them. A plain
 * mutable struct, refilled in place by {@link ProcStatParser}; the per-CPU arrays grow only when
 * more CPUs appear, so steady-state reads allocate nothing.
 *
 * <p>Per-CPU ticks are one flat array, {@link #MODES} longs per CPU line, in line order:
 *
 * <pre>
 *   cpuTicks: | cpu line 0: user nice system idle iowait irq softirq steal guest guest_nice | cpu line 1: ... |
 *   cpuIds:   | N of line 0 | N of line 1 | ...   (not contiguous when CPUs are offline)
 * </pre>
 */
public final class CpuSnapshot {

    static final int USER = 0;
    static final int NICE = USER + 1;
    static final int SYSTEM = NICE + 1;
    static final int IDLE = SYSTEM + 1;
    static final int IOWAIT = IDLE + 1;
    static final int IRQ = IOWAIT + 1;
    static final int SOFTIRQ = IRQ + 1;
    static final int STEAL = SOFTIRQ + 1;
    static final int GUEST = STEAL + 1;
    static final int GUEST_NICE = GUEST + 1;

    /** Modes a CPU line may carry (Linux 2.6.33 and later print all of them). */
    public static final int MODES = GUEST_NICE + 1;

    /** The fewest a CPU line has ever had (Linux 2.4: user nice system idle). */
    static final int MIN_MODES = IDLE + 1;

    /**
     * Per-CPU lines kept; more are counted in {@link #cpuLines} but not kept, to bound a sample.
     */
    static final int MAX_CPUS = 1024;

    /** How many values the aggregate line had, capped at {@link #MODES}; the rest are 0. */
    int columns;

    final long[] totalTicks = new long[MODES];

    /** Number of {@code cpuN} lines, i.e. online CPUs. */
    int cpuLines;

    /** Per-CPU lines kept: {@code min(cpuLines, MAX_CPUS)}. */
    int cpuCount;

    int[] cpuIds = new int[8];
    long[] cpuTicks = new long[8 * MODES];
    long contextSwitches;
    long forks;
    long procsRunning;
    long procsBlocked;
    long bootTimeSeconds;

    void clear() {
        columns = 0;
        Arrays.fill(totalTicks, 0);
        cpuLines = 0;
        cpuCount = 0;
        contextSwitches = 0;
        forks = 0;
        procsRunning = 0;
        procsBlocked = 0;
        bootTimeSeconds = 0;
    }

    /**
     * Appends a CPU line slot (zeroed) and returns its offset into {@link #cpuTicks}, or -1 past
     * the cap.
     */
    int addCpu(int id) {
        cpuLines++;
        if (cpuCount == MAX_CPUS) {
            return -1;
        }
        if (cpuCount == cpuIds.length) {
            cpuIds = Arrays.copyOf(cpuIds, Math.min(cpuIds.length * 2, MAX_CPUS));
            cpuTicks = Arrays.copyOf(cpuTicks, cpuIds.length * MODES);
        }
        int offset = cpuCount * MODES;
        cpuIds[cpuCount++] = id;
        Arrays.fill(cpuTicks, offset, offset + MODES, 0);
        return offset;
    }

    /**
     * Ticks of {@code mode} ({@link #USER} ..) on per-CPU line {@code cpuIndex}, below {@link
     * #cpuCount()}.
     */
    public long ticks(int cpuIndex, int mode) {
        return cpuTicks[cpuIndex * MODES + mode];
    }

    /** Ticks of {@code mode} on the aggregate line. */
    public long totalTicks(int mode) {
        return totalTicks[mode];
    }

    /** The N of per-CPU line {@code cpuIndex}. */
    public int cpuId(int cpuIndex) {
        return cpuIds[cpuIndex];
    }

    public int columns() {
        return columns;
    }

    public int cpuLines() {
        return cpuLines;
    }

    public int cpuCount() {
        return cpuCount;
    }

    public long contextSwitches() {
        return contextSwitches;
    }

    public long forks() {
        return forks;
    }

    public long procsRunning() {
        return procsRunning;
    }

    public long procsBlocked() {
        return procsBlocked;
    }

    public long bootTimeSeconds() {
        return bootTimeSeconds;
    }
}
