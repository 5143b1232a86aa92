package io.vmpulse.collector.host;

import io.vmpulse.collector.host.cgroup.CgroupReader;
import io.vmpulse.collector.host.cloudhypervisor.ChCounters;
import io.vmpulse.collector.host.firecracker.FirecrackerApi;
import io.vmpulse.collector.host.firecracker.FirecrackerMetrics;
import io.vmpulse.collector.host.net.TapReader;
import io.vmpulse.collector.host.process.ProcessReader;
import io.vmpulse.collector.host.qemu.QemuReader;
import io.vmpulse.collector.host.qemu.QmpClient;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import io.vmpulse.collector.host.vcpu.ThreadFinder;
import io.vmpulse.collector.host.vcpu.ThreadNames;
import io.vmpulse.collector.host.vcpu.VcpuReader;
import io.vmpulse.collector.vm.HypervisorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads the host half of one VM: every source its {@link HostTargets} names, each with its own
 * status, none able to stop the others. A VMM that exits mid-read, a missing TAP, a socket that
 * hangs, a garbled metrics line: the affected source is marked failed with a short reason, and
 * {@link #read} returns normally. Socket work is bounded by {@link Options#socketTimeout} per
 * request, and a socket that has timed out is not tried again for ten timeouts' worth of time, so
 * a VMM whose API hangs costs one timeout per such period. The caller still runs the samplers of
 * different VMs side by side (a pool), so that even that wait holds up no other VM.
 *
 * <p>Which source gives what:
 * <pre>
 *   vCPU      /proc/PID/task/TID/schedstat of the threads found by name or by QMP
 *   process   /proc/PID/stat, /proc/PID/smaps_rollup
 *   cgroup    cgroup v2 of the VM when it has its own
 *   block     Firecracker metrics file/FIFO | Cloud Hypervisor vm.counters | QEMU query-blockstats;
 *             /proc/PID/io when the VMM offers none of these
 *   net       TAP counters; the VMM's device counters (Firecracker, Cloud Hypervisor) where no TAP is read
 *   balloon   Firecracker GET /balloon/statistics when enabled
 * </pre>
 *
 * <p>Keeps files and connections open between reads; one thread at a time.
 */
public final class HostSampler implements AutoCloseable {

    /**
     * @param procRoot        normally /proc
     * @param sysfsRoot       normally /sys; a sysfs mounted in the VM's network namespace otherwise
     * @param socketTimeout   bound on each API or QMP exchange (connect, write, read)
     * @param flushInterval   how often Firecracker is asked to flush its metrics
     * @param vcpuRescanEvery reads between two searches for vCPU threads (hotplug)
     * @param pssEvery        reads between two reads of smaps_rollup
     */
    public record Options(Path procRoot, Path sysfsRoot, Duration socketTimeout, Duration flushInterval,
                          int vcpuRescanEvery, int pssEvery) {

        public static Options defaults() {
            return new Options(Path.of("/proc"), Path.of("/sys"), Duration.ofMillis(200), Duration.ofSeconds(1), 10, 10);
        }

        public Options withSysfsRoot(Path root) {
            return new Options(procRoot, root, socketTimeout, flushInterval, vcpuRescanEvery, pssEvery);
        }

        public Options withSocketTimeout(Duration timeout) {
            return new Options(procRoot, sysfsRoot, timeout, flushInterval, vcpuRescanEvery, pssEvery);
        }

        public Options withFlushInterval(Duration interval) {
            return new Options(procRoot, sysfsRoot, socketTimeout, interval, vcpuRescanEvery, pssEvery);
        }
    }

    private final HostTargets targets;
    private final long flushIntervalNanos;
    private final VcpuReader vcpu;
    private final ProcessReader process;
    private final CgroupReader cgroup;
    private final TapReader taps;
    private final FirecrackerMetrics fcMetrics;
    private final FirecrackerApi fcApi;
    private final ChCounters chCounters;
    private final QemuReader qemu;
    private long lastFlushNanos;
    private boolean flushedOnce;
    /** Why this reading's Firecracker totals are incomplete (lines skipped), or null. */
    private String metricsIncomplete;

    public HostSampler(HostTargets targets, Options options) {
        this.targets = targets;
        this.flushIntervalNanos = options.flushInterval().toNanos();
        int pid = targets.vmmPid();
        HypervisorKind kind = targets.hypervisor();
        UnixHttpClient api = targets.apiSocket() == null ? null
                : new UnixHttpClient(targets.apiSocket(), options.socketTimeout());
        this.fcApi = kind == HypervisorKind.FIRECRACKER && api != null ? new FirecrackerApi(api) : null;
        this.fcMetrics = kind == HypervisorKind.FIRECRACKER && targets.metricsPath() != null
                ? new FirecrackerMetrics(targets.metricsPath(), targets.driveIds()) : null;
        this.chCounters = kind == HypervisorKind.CLOUD_HYPERVISOR && api != null
                ? new ChCounters(api, targets.driveIds()) : null;
        ThreadFinder byName = new ThreadNames(options.procRoot(), kind);
        this.qemu = kind == HypervisorKind.QEMU && targets.qmpSocket() != null
                ? new QemuReader(new QmpClient(targets.qmpSocket(), options.socketTimeout()), targets.driveIds(), byName)
                : null;
        boolean hasVcpuNames = kind != HypervisorKind.NONE;
        this.vcpu = pid > 0 && hasVcpuNames
                ? new VcpuReader(options.procRoot(), pid, qemu != null ? qemu : byName, options.vcpuRescanEvery()) : null;
        this.process = pid > 0 ? new ProcessReader(options.procRoot(), pid, options.pssEvery()) : null;
        this.cgroup = pid > 0 || targets.cgroupPath() != null
                ? new CgroupReader(options.procRoot(), pid, targets.cgroupPath()) : null;
        this.taps = targets.tapNames().isEmpty() ? null : new TapReader(options.sysfsRoot(), targets.tapNames());
    }

    public HostTargets targets() {
        return targets;
    }

    /** Reads every source into {@code into}, clearing it first. Never throws. */
    public void read(HostReading into) {
        into.clear();
        into.readStartNanos = System.nanoTime();
        metricsIncomplete = null;
        if (vcpu != null) {
            vcpu.readInto(into);
        }
        if (process != null) {
            process.readInto(into);
        }
        if (cgroup != null) {
            cgroup.readInto(into);
        }
        DeviceCounters device = readBlock(into);
        readNet(into, device);
        if (fcApi != null && targets.balloonEnabled()) {
            try {
                fcApi.readBalloonInto(into);
                into.markPresent(Source.BALLOON);
            } catch (IOException | RuntimeException e) {
                into.balloonTargetBytes = into.balloonActualBytes = HostReading.ABSENT;
                into.balloonFreeBytes = into.balloonTotalBytes = into.balloonAvailableBytes = HostReading.ABSENT;
                into.markFailed(Source.BALLOON, e);
            }
        }
    }

    /** Reads block counters; returns the VMM's device counters (with its net counters) or null. */
    private DeviceCounters readBlock(HostReading into) {
        try {
            DeviceCounters device;
            if (fcMetrics != null) {
                device = pollFirecracker(into);
            } else if (chCounters != null) {
                device = chCounters.poll();
            } else if (qemu != null) {
                device = qemu.pollBlock();
            } else {
                if (process != null) {
                    process.readIoInto(into);
                }
                return null;
            }
            if (!into.isFailed(Source.BLOCK)) {
                device.copyBlockInto(into);
            }
            return device;
        } catch (IOException | RuntimeException e) {
            into.markFailed(Source.BLOCK, e);
            return null;
        }
    }

    /**
     * Flushes when due, then reads every line written since the last read. A failed flush marks
     * the block source failed (its totals are then only as fresh as the last flush).
     */
    private DeviceCounters pollFirecracker(HostReading into) throws IOException {
        long now = System.nanoTime();
        if (fcApi != null && (!flushedOnce || now - lastFlushNanos >= flushIntervalNanos)) {
            lastFlushNanos = now;
            flushedOnce = true;
            try {
                fcApi.flushMetrics();
            } catch (IOException e) {
                into.markFailed(Source.BLOCK, e);
            }
        }
        long skippedBefore = fcMetrics.linesSkipped();
        fcMetrics.poll();
        long skipped = fcMetrics.linesSkipped() - skippedBefore;
        into.metricsLinesSkipped = fcMetrics.linesSkipped();
        if (skipped > 0) {
            // The skipped lines held deltas that are now lost: totals from here on are short.
            metricsIncomplete = skipped + (skipped == 1 ? " metrics line" : " metrics lines")
                    + " skipped in this reading (" + targets.metricsPath() + ")";
            into.markFailed(Source.BLOCK, metricsIncomplete);
        }
        return fcMetrics.totals();
    }

    private void readNet(HostReading into, DeviceCounters device) {
        try {
            if (taps != null && taps.readInto(into)) {
                return;
            }
            if (device != null && device.hasNet && metricsIncomplete != null) {
                into.markFailed(Source.NET, metricsIncomplete);
            } else if ((device == null || !device.copyNetInto(into)) && taps != null) {
                into.markFailed(Source.NET, taps.failure());
            }
        } catch (RuntimeException e) {
            into.markFailed(Source.NET, e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {vcpu, process, cgroup, taps, fcMetrics, qemu}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // Readers close files and sockets only; nothing to report.
                }
            }
        }
    }
}
