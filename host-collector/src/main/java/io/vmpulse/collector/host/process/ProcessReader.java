package io.vmpulse.collector.host.process;

import io.vmpulse.collector.host.proc.KernelFile;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.collector.sys.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the VMM process: CPU time, RSS and thread count from one {@code /proc/PID/stat}, PSS from
 * {@code /proc/PID/smaps_rollup}, and storage bytes from {@code /proc/PID/io} (the block fallback
 * when the VMM offers no device counters).
 *
 * <p>{@code stat} gives {@code rss} (field 24, in pages), the same number as {@code VmRSS} in
 * {@code status}, so one read covers CPU, RSS and threads. {@code smaps_rollup} walks every mapping
 * of the VMM under its mmap lock, which is costly for a VMM mapping gigabytes of guest memory, so
 * it is read every {@code pssEvery} reads and the last value is reported in between.
 */
public final class ProcessReader implements AutoCloseable {

    private static final int FIELDS_STATE_TO_CMAJFLT = 11;
    private static final int FIELDS_CUTIME_TO_NICE = 4;
    private static final int FIELDS_ITREALVALUE_TO_VSIZE = 3;
    private static final long NANOS_PER_TICK = 1_000_000_000L / LibC.CLK_TCK;
    private static final byte[] PSS = "Pss:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] READ_BYTES = "read_bytes:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRITE_BYTES = "write_bytes:".getBytes(StandardCharsets.US_ASCII);

    private final KernelFile stat;
    private final KernelFile smapsRollup;
    private final KernelFile io;
    private final int pssEvery;
    private int readsSincePss;
    private long lastPssBytes = HostReading.ABSENT;

    public ProcessReader(Path procRoot, int pid, int pssEvery) {
        Path dir = procRoot.resolve(Integer.toString(pid));
        this.stat = new KernelFile(dir.resolve("stat"), 512);
        this.smapsRollup = new KernelFile(dir.resolve("smaps_rollup"), 1024);
        this.io = new KernelFile(dir.resolve("io"), 256);
        this.pssEvery = pssEvery;
        this.readsSincePss = pssEvery;
    }

    /** Fills the VMM fields of {@code into} and marks {@link Source#PROCESS} present or failed. */
    public void readInto(HostReading into) {
        try {
            stat.read();
            // comm may hold spaces and parentheses: fields are counted from the last ')'.
            if (!stat.skipPastLast((byte) ')')) {
                throw new IOException("no ')' in " + stat.path());
            }
            byte state = stat.byteAt(stat.position() + 1);
            if (state == 'Z' || state == 'X') {
                throw new IOException("vmm exited (state " + (char) state + ")");
            }
            stat.skipFields(FIELDS_STATE_TO_CMAJFLT);
            long utime = stat.nextLong();
            long stime = stat.nextLong();
            stat.skipFields(FIELDS_CUTIME_TO_NICE);
            int threads = (int) stat.nextLong();
            stat.skipFields(FIELDS_ITREALVALUE_TO_VSIZE);
            long rssPages = stat.nextLong();
            into.vmmCpuUserNs = utime * NANOS_PER_TICK;
            into.vmmCpuSystemNs = stime * NANOS_PER_TICK;
            into.vmmCpuNs = into.vmmCpuUserNs + into.vmmCpuSystemNs;
            into.vmmThreads = threads;
            into.vmmRssBytes = rssPages * LibC.PAGE_SIZE;
            into.vmmPssBytes = pssBytes();
            into.markPresent(Source.PROCESS);
        } catch (IOException | RuntimeException e) {
            into.vmmCpuNs = into.vmmCpuUserNs = into.vmmCpuSystemNs = HostReading.ABSENT;
            into.vmmRssBytes = into.vmmPssBytes = HostReading.ABSENT;
            into.vmmThreads = 0;
            into.markFailed(Source.PROCESS, e);
        }
    }

    /**
     * PSS in bytes, or ABSENT where smaps_rollup is unreadable (older kernel, no ptrace access).
     */
    private long pssBytes() {
        if (++readsSincePss < pssEvery) {
            return lastPssBytes;
        }
        readsSincePss = 0;
        try {
            smapsRollup.read();
            lastPssBytes =
                    smapsRollup.find(PSS) ? smapsRollup.nextLong() * 1024 : HostReading.ABSENT;
        } catch (IOException e) {
            lastPssBytes = HostReading.ABSENT;
        }
        return lastPssBytes;
    }

    /**
     * Fills the disk byte counters from {@code /proc/PID/io} and marks {@link Source#BLOCK}. These
     * count what the VMM made storage read or write (page cache misses and write-back), not what
     * the guest asked for. Its syscr/syscw count system calls, not block operations, so the
     * operation counts stay ABSENT (published with PRESENT_HOST_DISK_OPS clear).
     */
    public void readIoInto(HostReading into) {
        try {
            io.read();
            if (!io.find(READ_BYTES)) {
                throw new IOException("no read_bytes in " + io.path());
            }
            into.diskReadBytes = io.nextLong();
            if (!io.seek(0).find(WRITE_BYTES)) {
                throw new IOException("no write_bytes in " + io.path());
            }
            into.diskWriteBytes = io.nextLong();
            into.diskReadOps = into.diskWriteOps = HostReading.ABSENT;
            into.markPresent(Source.BLOCK);
        } catch (IOException | RuntimeException e) {
            into.diskReadBytes = into.diskWriteBytes = HostReading.ABSENT;
            into.markFailed(Source.BLOCK, e);
        }
    }

    @Override
    public void close() {
        stat.close();
        smapsRollup.close();
        io.close();
    }
}
