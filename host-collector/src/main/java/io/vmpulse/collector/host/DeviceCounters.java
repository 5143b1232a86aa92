package io.vmpulse.collector.host;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;

/**
 * Block and network counters as a VMM's own devices count them, summed over the VM's devices and
 * cumulative. The virtio-net device's rx is what it handed to the guest, so here, unlike on a TAP,
 * rx already is the guest's rx.
 */
public final class DeviceCounters {

    public boolean hasBlock;
    public long readBytes;
    public long writeBytes;
    public long readOps;
    public long writeOps;

    public boolean hasNet;
    /** Whether the VMM counts network errors at all (Firecracker does, Cloud Hypervisor does not). */
    public boolean hasNetErrors;
    public long rxBytes;
    public long txBytes;
    public long rxPackets;
    public long txPackets;
    public long rxErrors;
    public long txErrors;

    public void clear() {
        hasBlock = hasNet = hasNetErrors = false;
        readBytes = writeBytes = readOps = writeOps = 0;
        rxBytes = txBytes = rxPackets = txPackets = rxErrors = txErrors = 0;
    }

    /** Copies the block totals into {@code into} and marks {@link Source#BLOCK}: failed if no drive was seen. */
    public void copyBlockInto(HostReading into) {
        if (!hasBlock) {
            into.markFailed(Source.BLOCK, "no counters for the VM's drives");
            return;
        }
        into.diskReadBytes = readBytes;
        into.diskWriteBytes = writeBytes;
        into.diskReadOps = readOps;
        into.diskWriteOps = writeOps;
        into.markPresent(Source.BLOCK);
    }

    /**
     * Copies the network totals into {@code into}; false (nothing touched) if no interface was seen.
     * No VMM counts drops, and errors only where {@link #hasNetErrors}: the rest stay ABSENT.
     */
    public boolean copyNetInto(HostReading into) {
        if (!hasNet) {
            return false;
        }
        into.netRxBytes = rxBytes;
        into.netTxBytes = txBytes;
        into.netRxPackets = rxPackets;
        into.netTxPackets = txPackets;
        into.netRxErrors = hasNetErrors ? rxErrors : HostReading.ABSENT;
        into.netTxErrors = hasNetErrors ? txErrors : HostReading.ABSENT;
        into.netRxDropped = into.netTxDropped = HostReading.ABSENT;
        into.netFromTap = false;
        into.markPresent(Source.NET);
        return true;
    }
}
