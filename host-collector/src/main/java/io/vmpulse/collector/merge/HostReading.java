package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.MAX_DISKS;
import static io.vmpulse.registry.layout.RecordFields.MAX_NICS;

import java.util.Arrays;

/**
 * One reading of a VM's host half: a plain mutable struct, reused from read to read.
 *
 * <p>Every counter is cumulative as the host sees it (Firecracker's per-flush deltas are already
 * summed). A value that this host cannot provide within a present source is {@link #ABSENT}.
 * Network fields are from the <b>guest's</b> point of view: {@code netRxBytes} is what the guest
 * received, which is the TAP's {@code tx_bytes}.
 *
 * <p>Each {@link Source} is in one of three states: absent (not configured for this VM or not
 * applicable), present, or failed with a short reason. A failed source leaves its fields at {@link
 * #ABSENT}.
 */
public final class HostReading {

    /** Marks a value that is not available. */
    public static final long ABSENT = -1;

    private static final int MAX_REASON = 160;
    private static final byte STATE_ABSENT = 0;
    private static final byte STATE_PRESENT = 1;
    private static final byte STATE_FAILED = 2;

    /** {@code System.nanoTime()} when the read started. */
    public long readStartNanos;

    // vCPU threads: schedstat of each vCPU thread, indexed by vCPU number.
    public int vcpuCount;
    public long vcpuRunNs;
    public long vcpuWaitNs;

    /** Length {@link #vcpuSlots} is used; a vCPU number with no thread found holds ABSENT. */
    public long[] vcpuRunNsByIndex = new long[0];

    public long[] vcpuWaitNsByIndex = new long[0];

    /** The thread behind each vCPU number (0: none), so that rates compare a thread with itself. */
    public int[] vcpuTidByIndex = new int[0];

    public int vcpuSlots;

    // VMM process.
    public long vmmCpuNs;

    /** The VMM's user-mode and kernel-mode parts of {@link #vmmCpuNs} (utime, stime). */
    public long vmmCpuUserNs;

    public long vmmCpuSystemNs;
    public long vmmRssBytes;
    public long vmmPssBytes;
    public int vmmThreads;

    // cgroup v2 of the VM, when it has one of its own.
    public long cgroupCpuUsageNs;
    public long cgroupMemoryCurrentBytes;
    public long cgroupIoReadBytes;
    public long cgroupIoWriteBytes;

    // Block I/O summed over the VM's drives.
    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;

    /**
     * Drives with an entry below, at most {@code MAX_DISKS}, in the source's order; the totals
     * above cover every drive.
     */
    public int diskCount;

    /** Drives beyond {@code MAX_DISKS}: in the totals only. */
    public int diskOmitted;

    public final String[] diskName = new String[MAX_DISKS];
    public final long[] diskReadBytesEach = new long[MAX_DISKS];
    public final long[] diskWriteBytesEach = new long[MAX_DISKS];

    /** ABSENT where the source counts no operations, as in the totals. */
    public final long[] diskReadOpsEach = new long[MAX_DISKS];

    public final long[] diskWriteOpsEach = new long[MAX_DISKS];

    /**
     * Firecracker metrics lines that could not be parsed and were skipped, since the sampler began.
     */
    public long metricsLinesSkipped;

    // Network, guest's point of view, summed over the VM's interfaces.
    public long netRxBytes;
    public long netTxBytes;
    public long netRxPackets;
    public long netTxPackets;
    public long netRxDropped;
    public long netTxDropped;
    public long netRxErrors;
    public long netTxErrors;

    /**
     * Interfaces with an entry below, at most {@code MAX_NICS}, in the source's order, guest's
     * point of view as the totals.
     */
    public int nicCount;

    /** Interfaces beyond {@code MAX_NICS}: in the totals only. */
    public int nicOmitted;

    public final String[] nicName = new String[MAX_NICS];
    public final long[] nicRxBytesEach = new long[MAX_NICS];
    public final long[] nicTxBytesEach = new long[MAX_NICS];
    public final long[] nicRxPacketsEach = new long[MAX_NICS];
    public final long[] nicTxPacketsEach = new long[MAX_NICS];

    /** ABSENT where the source counts no drops (only TAPs do), as in the totals. */
    public final long[] nicRxDropsEach = new long[MAX_NICS];

    public final long[] nicTxDropsEach = new long[MAX_NICS];

    /** ABSENT where the source counts no errors (Cloud Hypervisor), as in the totals. */
    public final long[] nicRxErrorsEach = new long[MAX_NICS];

    public final long[] nicTxErrorsEach = new long[MAX_NICS];

    /**
     * True when the network fields come from TAP counters, false when from the VMM's device
     * counters.
     */
    public boolean netFromTap;

    // Balloon, Firecracker's GET /balloon/statistics.
    public long balloonTargetBytes;
    public long balloonActualBytes;
    public long balloonFreeBytes;
    public long balloonTotalBytes;
    public long balloonAvailableBytes;

    private final byte[] states = new byte[Source.ALL.length];
    private final String[] errors = new String[Source.ALL.length];

    public HostReading() {
        clear();
    }

    /** Resets every source to absent and every value to ABSENT (0 for counts). */
    public void clear() {
        readStartNanos = 0;
        vcpuCount = 0;
        vcpuSlots = 0;
        vcpuRunNs = vcpuWaitNs = ABSENT;
        vmmCpuNs = vmmCpuUserNs = vmmCpuSystemNs = vmmRssBytes = vmmPssBytes = ABSENT;
        vmmThreads = 0;
        cgroupCpuUsageNs = cgroupMemoryCurrentBytes = ABSENT;
        cgroupIoReadBytes = cgroupIoWriteBytes = ABSENT;
        diskReadBytes = diskWriteBytes = diskReadOps = diskWriteOps = ABSENT;
        metricsLinesSkipped = 0;
        diskCount = diskOmitted = 0;
        nicCount = nicOmitted = 0;
        netRxBytes = netTxBytes = netRxPackets = netTxPackets = ABSENT;
        netRxDropped = netTxDropped = netRxErrors = netTxErrors = ABSENT;
        netFromTap = false;
        balloonTargetBytes = balloonActualBytes = ABSENT;
        balloonFreeBytes = balloonTotalBytes = balloonAvailableBytes = ABSENT;
        Arrays.fill(states, STATE_ABSENT);
        Arrays.fill(errors, null);
    }

    /**
     * Adds one drive's cumulative counters (ops ABSENT where the source has none); beyond the room,
     * counts it omitted.
     */
    public void addDisk(String name, long readBytes, long writeBytes, long readOps, long writeOps) {
        if (diskCount == MAX_DISKS) {
            diskOmitted++;
            return;
        }
        int i = diskCount++;
        diskName[i] = name;
        diskReadBytesEach[i] = readBytes;
        diskWriteBytesEach[i] = writeBytes;
        diskReadOpsEach[i] = readOps;
        diskWriteOpsEach[i] = writeOps;
    }

    /**
     * Adds one interface's cumulative counters from the guest's point of view (rx: what the guest
     * received), ABSENT where the source has none; beyond the room, counts it omitted.
     */
    public void addNic(
            String name,
            long rxBytes,
            long txBytes,
            long rxPackets,
            long txPackets,
            long rxDrops,
            long txDrops,
            long rxErrors,
            long txErrors) {
        if (nicCount == MAX_NICS) {
            nicOmitted++;
            return;
        }
        int i = nicCount++;
        nicName[i] = name;
        nicRxBytesEach[i] = rxBytes;
        nicTxBytesEach[i] = txBytes;
        nicRxPacketsEach[i] = rxPackets;
        nicTxPacketsEach[i] = txPackets;
        nicRxDropsEach[i] = rxDrops;
        nicTxDropsEach[i] = txDrops;
        nicRxErrorsEach[i] = rxErrors;
        nicTxErrorsEach[i] = txErrors;
    }

    /** Makes room for vCPU numbers {@code 0..slots-1}, every slot ABSENT. */
    public void resetVcpuSlots(int slots) {
        if (vcpuRunNsByIndex.length < slots) {
            vcpuRunNsByIndex = new long[slots];
            vcpuWaitNsByIndex = new long[slots];
            vcpuTidByIndex = new int[slots];
        }
        Arrays.fill(vcpuRunNsByIndex, ABSENT);
        Arrays.fill(vcpuWaitNsByIndex, ABSENT);
        Arrays.fill(vcpuTidByIndex, 0);
        vcpuSlots = slots;
    }

    public void markPresent(Source source) {
        states[source.ordinal()] = STATE_PRESENT;
        errors[source.ordinal()] = null;
    }

    /** Marks {@code source} failed; {@code reason} is short and names what went wrong. */
    public void markFailed(Source source, String reason) {
        states[source.ordinal()] = STATE_FAILED;
        errors[source.ordinal()] = reason;
    }

    /**
     * Marks {@code source} failed with the kind and message of {@code cause}, cut to a short
     * reason.
     */
    public void markFailed(Source source, Throwable cause) {
        String m = cause.getMessage();
        String reason = cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        markFailed(source, reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
    }

    public boolean isPresent(Source source) {
        return states[source.ordinal()] == STATE_PRESENT;
    }

    public boolean isFailed(Source source) {
        return states[source.ordinal()] == STATE_FAILED;
    }

    /** The reason {@code source} failed, or null. */
    public String error(Source source) {
        return errors[source.ordinal()];
    }
}
