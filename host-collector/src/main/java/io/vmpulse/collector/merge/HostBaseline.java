package io.vmpulse.collector.merge;

/**
 * What the next host reading's rates are taken against: the counters of the VM's last reading,
 * copied out of it, so that one {@link HostReading} serves every VM a merge thread reads rather
 * than two living in each VM (3 KiB a VM, mostly arrays for drives and NICs that rates never use).
 *
 * <p>Only what a rate needs: the read time, which of the rated sources were present, the summed
 * disk and network counters and each vCPU thread's run time (the per-thread arrays exist only for
 * VMs with vCPU threads, and grow to their vCPU count).
 */
final class HostBaseline {

    private static final long[] NO_LONGS = new long[0];
    private static final int[] NO_INTS = new int[0];

    boolean held;
    long readStartNanos;

    boolean vcpu;
    int vcpuSlots;
    int[] vcpuTidByIndex = NO_INTS;
    long[] vcpuRunNsByIndex = NO_LONGS;

    boolean block;
    long diskReadBytes;
    long diskWriteBytes;
    long diskReadOps;
    long diskWriteOps;

    boolean net;
    long netRxBytes;
    long netTxBytes;
    long netRxPackets;
    long netTxPackets;

    /** Keeps what {@code r}'s successor is rated against. */
    void keep(HostReading r) {
        held = true;
        readStartNanos = r.readStartNanos;
        vcpu = r.isPresent(Source.VCPU);
        vcpuSlots = vcpu ? r.vcpuSlots : 0;
        if (vcpuTidByIndex.length < vcpuSlots) {
            vcpuTidByIndex = new int[vcpuSlots];
            vcpuRunNsByIndex = new long[vcpuSlots];
        }
        // Only the first vcpuSlots entries are ever read (0 when the source was absent).
        System.arraycopy(r.vcpuTidByIndex, 0, vcpuTidByIndex, 0, vcpuSlots);
        System.arraycopy(r.vcpuRunNsByIndex, 0, vcpuRunNsByIndex, 0, vcpuSlots);
        block = r.isPresent(Source.BLOCK);
        diskReadBytes = r.diskReadBytes;
        diskWriteBytes = r.diskWriteBytes;
        diskReadOps = r.diskReadOps;
        diskWriteOps = r.diskWriteOps;
        net = r.isPresent(Source.NET);
        netRxBytes = r.netRxBytes;
        netTxBytes = r.netTxBytes;
        netRxPackets = r.netRxPackets;
        netTxPackets = r.netTxPackets;
    }

    boolean hasDiskOps() {
        return diskReadOps != HostReading.ABSENT && diskWriteOps != HostReading.ABSENT;
    }
}
