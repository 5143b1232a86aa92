package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * Copies a {@link HostReading} into the host half of a {@link VmRecord}: values of present sources,
 * zero for absent or failed ones (the presence bit tells them apart from a real zero), and one
 * failing flag per source.
 */
final class HostHalf {

    private static final Source[] SOURCES = Source.values();
    private static final long[] PRESENT_BIT = {
        RecordFlags.PRESENT_HOST_VCPU, RecordFlags.PRESENT_HOST_PROCESS,
                RecordFlags.PRESENT_HOST_CGROUP,
        RecordFlags.PRESENT_HOST_BLOCK, RecordFlags.PRESENT_HOST_NET,
                RecordFlags.PRESENT_HOST_BALLOON,
    };
    private static final long[] FAILING_BIT = {
        RecordFlags.FLAG_VCPU_FAILING, RecordFlags.FLAG_PROCESS_FAILING,
                RecordFlags.FLAG_CGROUP_FAILING,
        RecordFlags.FLAG_BLOCK_FAILING, RecordFlags.FLAG_NET_FAILING,
                RecordFlags.FLAG_BALLOON_FAILING,
    };

    private HostHalf() {}

    static void copy(HostReading r, VmRecord out) {
        for (int i = 0; i < SOURCES.length; i++) {
            out.setPresent(PRESENT_BIT[i], r.isPresent(SOURCES[i]));
            out.setFlags(FAILING_BIT[i], r.isFailed(SOURCES[i]));
        }
        boolean vcpu = r.isPresent(Source.VCPU);
        out.putInt(VCPU_COUNT, vcpu ? r.vcpuCount : 0);
        put(out, VCPU_RUN_NS, vcpu, r.vcpuRunNs);
        put(out, VCPU_WAIT_NS, vcpu, r.vcpuWaitNs);
        for (int i = 0; i < MAX_VCPUS; i++) {
            boolean has = vcpu && i < r.vcpuSlots;
            out.putLong(VCPU_RUN_NS_EACH, i, has ? Math.max(0, r.vcpuRunNsByIndex[i]) : 0);
            out.putLong(VCPU_WAIT_NS_EACH, i, has ? Math.max(0, r.vcpuWaitNsByIndex[i]) : 0);
        }
        // vcpu[] is indexed by vCPU number: threads numbered past it are in the totals only.
        int omitted = 0;
        for (int i = MAX_VCPUS; vcpu && i < r.vcpuSlots; i++) {
            if (r.vcpuRunNsByIndex[i] != HostReading.ABSENT) {
                omitted++;
            }
        }
        out.putInt(VCPU_OMITTED, omitted);
        boolean proc = r.isPresent(Source.PROCESS);
        put(out, VMM_CPU_NS, proc, r.vmmCpuNs);
        put(out, VMM_CPU_USER_NS, proc, r.vmmCpuUserNs);
        put(out, VMM_CPU_SYSTEM_NS, proc, r.vmmCpuSystemNs);
        put(out, VMM_RSS_BYTES, proc, r.vmmRssBytes);
        put(out, VMM_PSS_BYTES, proc, r.vmmPssBytes);
        out.putLong(VMM_THREADS, proc ? r.vmmThreads : 0);
        boolean cg = r.isPresent(Source.CGROUP);
        put(out, CGROUP_CPU_NS, cg, r.cgroupCpuUsageNs);
        put(out, CGROUP_MEMORY_BYTES, cg, r.cgroupMemoryCurrentBytes);
        put(out, CGROUP_IO_READ_BYTES, cg, r.cgroupIoReadBytes);
        put(out, CGROUP_IO_WRITE_BYTES, cg, r.cgroupIoWriteBytes);
        boolean block = r.isPresent(Source.BLOCK);
        put(out, DISK_READ_BYTES, block, r.diskReadBytes);
        put(out, DISK_WRITE_BYTES, block, r.diskWriteBytes);
        put(out, DISK_READ_OPS, block, r.diskReadOps);
        put(out, DISK_WRITE_OPS, block, r.diskWriteOps);
        boolean net = r.isPresent(Source.NET);
        put(out, NET_RX_BYTES, net, r.netRxBytes);
        put(out, NET_TX_BYTES, net, r.netTxBytes);
        put(out, NET_RX_PACKETS, net, r.netRxPackets);
        put(out, NET_TX_PACKETS, net, r.netTxPackets);
        put(out, NET_RX_DROPS, net, r.netRxDropped);
        put(out, NET_TX_DROPS, net, r.netTxDropped);
        put(out, NET_RX_ERRORS, net, r.netRxErrors);
        put(out, NET_TX_ERRORS, net, r.netTxErrors);
        boolean diskOps = block && hasDiskOps(r);
        out.setPresent(RecordFlags.PRESENT_HOST_DISK_OPS, diskOps);
        boolean drops =
                net && r.netRxDropped != HostReading.ABSENT && r.netTxDropped != HostReading.ABSENT;
        out.setPresent(RecordFlags.PRESENT_HOST_NET_DROPS, drops);
        boolean errors =
                net && r.netRxErrors != HostReading.ABSENT && r.netTxErrors != HostReading.ABSENT;
        out.setPresent(RecordFlags.PRESENT_HOST_NET_ERRORS, errors);
        copyDisks(r, block, out);
        copyNics(r, net, out);
        boolean balloon = r.isPresent(Source.BALLOON);
        put(out, BALLOON_TARGET_BYTES, balloon, r.balloonTargetBytes);
        put(out, BALLOON_ACTUAL_BYTES, balloon, r.balloonActualBytes);
        put(out, BALLOON_FREE_BYTES, balloon, r.balloonFreeBytes);
        put(out, BALLOON_TOTAL_BYTES, balloon, r.balloonTotalBytes);
        put(out, BALLOON_AVAILABLE_BYTES, balloon, r.balloonAvailableBytes);
        out.putLong(METRICS_LINES_SKIPPED, r.metricsLinesSkipped);
    }

    /**
     * One entry per drive while block is present. Entries past {@code disk_count} are always zero,
     * so only those the previous reading filled and this one does not are cleared (the same for
     * {@link #copyNics}): a VM has one or two devices, and rewriting all eight on every reading was
     * most of this copy's added time (HostHalfBenchmark).
     */
    private static void copyDisks(HostReading r, boolean block, VmRecord out) {
        int n = block ? r.diskCount : 0;
        int end = Math.max(n, (int) Math.min(out.getUnsignedInt(DISK_COUNT), MAX_DISKS));
        out.putInt(DISK_COUNT, n);
        out.putInt(DISK_OMITTED, block ? r.diskOmitted : 0);
        for (int i = 0; i < end; i++) {
            boolean has = i < n;
            out.putString(DISK_NAME, i, has ? r.diskName[i] : "");
            put(out, DISK_READ_BYTES_EACH, i, has, r.diskReadBytesEach);
            put(out, DISK_WRITE_BYTES_EACH, i, has, r.diskWriteBytesEach);
            put(out, DISK_READ_OPS_EACH, i, has, r.diskReadOpsEach);
            put(out, DISK_WRITE_OPS_EACH, i, has, r.diskWriteOpsEach);
        }
    }

    /** One entry per interface while net is present; see {@link #copyDisks} for what is cleared. */
    private static void copyNics(HostReading r, boolean net, VmRecord out) {
        int n = net ? r.nicCount : 0;
        int end = Math.max(n, (int) Math.min(out.getUnsignedInt(NIC_COUNT), MAX_NICS));
        out.putInt(NIC_COUNT, n);
        out.putInt(NIC_OMITTED, net ? r.nicOmitted : 0);
        for (int i = 0; i < end; i++) {
            boolean has = i < n;
            out.putString(NIC_NAME, i, has ? r.nicName[i] : "");
            put(out, NIC_RX_BYTES_EACH, i, has, r.nicRxBytesEach);
            put(out, NIC_TX_BYTES_EACH, i, has, r.nicTxBytesEach);
            put(out, NIC_RX_PACKETS_EACH, i, has, r.nicRxPacketsEach);
            put(out, NIC_TX_PACKETS_EACH, i, has, r.nicTxPacketsEach);
            put(out, NIC_RX_DROPS_EACH, i, has, r.nicRxDropsEach);
            put(out, NIC_TX_DROPS_EACH, i, has, r.nicTxDropsEach);
            put(out, NIC_RX_ERRORS_EACH, i, has, r.nicRxErrorsEach);
            put(out, NIC_TX_ERRORS_EACH, i, has, r.nicTxErrorsEach);
        }
    }

    private static void put(VmRecord out, RecordField f, int i, boolean has, long[] values) {
        out.putLong(f, i, has && values[i] != HostReading.ABSENT ? values[i] : 0);
    }

    /**
     * Whether the block source counted operations, not only bytes ({@code /proc/PID/io} does not).
     */
    static boolean hasDiskOps(HostReading r) {
        return r.diskReadOps != HostReading.ABSENT && r.diskWriteOps != HostReading.ABSENT;
    }

    /** A value inside a present source may still be ABSENT (PSS unreadable, say): it reads as 0. */
    private static void put(VmRecord out, RecordField f, boolean present, long value) {
        out.putLong(f, present && value != HostReading.ABSENT ? value : 0);
    }
}
