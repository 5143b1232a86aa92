package io.vmpulse.collector.merge;

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
 * applicable), present, or failed with a short reason. A failed source leaves its fields at
 * {@link #ABSENT}.
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
    /** Firecracker metrics lines that could not be parsed and were skipped, since the sampler began. */
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
    /** True when the network fields come from TAP counters, false when from the VMM's device counters. */
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
        vmmCpuNs = vmmRssBytes = vmmPssBytes = ABSENT;
        vmmThreads = 0;
        cgroupCpuUsageNs = cgroupMemoryCurrentBytes = ABSENT;
        cgroupIoReadBytes = cgroupIoWriteBytes = ABSENT;
        diskReadBytes = diskWriteBytes = diskReadOps = diskWriteOps = ABSENT;
        metricsLinesSkipped = 0;
        netRxBytes = netTxBytes = netRxPackets = netTxPackets = ABSENT;
        netRxDropped = netTxDropped = netRxErrors = netTxErrors = ABSENT;
        netFromTap = false;
        balloonTargetBytes = balloonActualBytes = ABSENT;
        balloonFreeBytes = balloonTotalBytes = balloonAvailableBytes = ABSENT;
        Arrays.fill(states, STATE_ABSENT);
        Arrays.fill(errors, null);
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

    /** Marks {@code source} failed with the kind and message of {@code cause}, cut to a short reason. */
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
