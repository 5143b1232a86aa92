package io.vmpulse.collector.host;

import io.vmpulse.collector.host.cgroup.CgroupReader;
import io.vmpulse.collector.host.cloudhypervisor.ChCounters;
import io.vmpulse.collector.host.firecracker.Balloon;
import io.vmpulse.collector.host.firecracker.FirecrackerApi;
import io.vmpulse.collector.host.firecracker.FirecrackerMetrics;
import io.vmpulse.collector.host.net.TapReader;
import io.vmpulse.collector.host.process.ProcessReader;
import io.vmpulse.collector.host.qemu.QemuReader;
import io.vmpulse.collector.host.qemu.QmpClient;
import io.vmpulse.collector.host.uds.LatestOutcome;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import io.vmpulse.collector.host.vcpu.ThreadFinder;
import io.vmpulse.collector.host.vcpu.ThreadNames;
import io.vmpulse.collector.host.vcpu.VcpuReader;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Reads the host half of one VM: every source its {@link HostTargets} names, each with its own
 * status, none able to stop the others. A VMM that exits mid-read, a missing TAP, a socket that
 * hangs, a garbled metrics line: the affected source is marked failed with a short reason, and
 * {@link #read} returns normally.
 *
 * <p>Files ({@code /proc}, sysfs, cgroup, the metrics file or FIFO) are read in {@link #read}
 * itself: none of them can block. Socket exchanges (Firecracker's FlushMetrics and balloon
 * statistics, Cloud Hypervisor's vm.counters, QEMU's QMP) can: each is bounded by {@link
 * Options#socketTimeout}, a socket that timed out is left alone for ten timeouts, and, given a
 * {@link Options#socketExecutor}, they run there, one round per read at most one in flight, while
 * {@link #read} uses the round that finished last (see {@link LatestOutcome}). So a read never
 * waits on a VMM, and a hung one delays no other VM. Without an executor the round runs inside
 * {@link #read} and its answers are current.
 *
 * <p>Which source gives what:
 *
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
 * <p>Keeps files and connections (QMP, the API socket) open between reads; one thread at a time.
 */
public final class HostSampler implements AutoCloseable {

    /**
     * @param procRoot normally /proc
     * @param sysfsRoot normally /sys; a sysfs mounted in the VM's network namespace otherwise
     * @param socketTimeout bound on each API or QMP exchange (connect, write, read)
     * @param flushInterval how often Firecracker is asked to flush its metrics (the collector's
     *     {@code firecracker_flush_ms}); the first read always flushes
     * @param vcpuRescanEvery reads between two searches for vCPU threads (hotplug)
     * @param pssEvery reads between two reads of smaps_rollup
     * @param socketExecutor where socket exchanges run, shared by all VMs; null runs them inside
     *     {@link #read}
     */
    public record Options(
            Path procRoot,
            Path sysfsRoot,
            Duration socketTimeout,
            Duration flushInterval,
            int vcpuRescanEvery,
            int pssEvery,
            Executor socketExecutor) {

        public static Options defaults() {
            return new Options(
                    Path.of("/proc"),
                    Path.of("/sys"),
                    Duration.ofMillis(200),
                    Duration.ofSeconds(1),
                    10,
                    10,
                    null);
        }

        public Options withSysfsRoot(Path root) {
            return new Options(
                    procRoot,
                    root,
                    socketTimeout,
                    flushInterval,
                    vcpuRescanEvery,
                    pssEvery,
                    socketExecutor);
        }

        public Options withSocketTimeout(Duration timeout) {
            return new Options(
                    procRoot,
                    sysfsRoot,
                    timeout,
                    flushInterval,
                    vcpuRescanEvery,
                    pssEvery,
                    socketExecutor);
        }

        public Options withFlushInterval(Duration interval) {
            return new Options(
                    procRoot,
                    sysfsRoot,
                    socketTimeout,
                    interval,
                    vcpuRescanEvery,
                    pssEvery,
                    socketExecutor);
        }

        public Options withSocketExecutor(Executor executor) {
            return new Options(
                    procRoot,
                    sysfsRoot,
                    socketTimeout,
                    flushInterval,
                    vcpuRescanEvery,
                    pssEvery,
                    executor);
        }
    }

    /** What one round of socket exchanges found; a failure field is set where its value is null. */
    private record Round(
            IOException flushFailure,
            DeviceCounters device,
            Exception deviceFailure,
            Balloon balloon,
            Exception balloonFailure) {}

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
    private final LatestOutcome<Round> sockets;
    // Touched only by rounds, which never overlap.
    private long lastFlushNanos;
    private boolean flushedOnce;

    /**
     * Why the last FlushMetrics failed, null after one that worked. Kept for the rounds between two
     * flushes: the totals stay as stale as that failure made them until a flush works.
     */
    private IOException lastFlushFailure;

    /** Why this reading's Firecracker totals are incomplete (lines skipped), or null. */
    private String metricsIncomplete;

    public HostSampler(HostTargets targets, Options options) {
        this.targets = targets;
        this.flushIntervalNanos = options.flushInterval().toNanos();
        int pid = targets.vmmPid();
        HypervisorKind kind = targets.hypervisor();
        UnixHttpClient api =
                targets.apiSocket() == null
                        ? null
                        : new UnixHttpClient(targets.apiSocket(), options.socketTimeout());
        this.fcApi =
                kind == HypervisorKind.FIRECRACKER && api != null ? new FirecrackerApi(api) : null;
        this.fcMetrics =
                kind == HypervisorKind.FIRECRACKER && targets.metricsPath() != null
                        ? new FirecrackerMetrics(targets.metricsPath(), targets.driveIds())
                        : null;
        this.chCounters =
                kind == HypervisorKind.CLOUD_HYPERVISOR && api != null
                        ? new ChCounters(api, targets.driveIds())
                        : null;
        ThreadFinder byName = new ThreadNames(options.procRoot(), kind);
        this.qemu =
                kind == HypervisorKind.QEMU && targets.qmpSocket() != null
                        ? new QemuReader(
                                new QmpClient(targets.qmpSocket(), options.socketTimeout()),
                                targets.driveIds(),
                                byName)
                        : null;
        Executor executor =
                options.socketExecutor() == null ? Runnable::run : options.socketExecutor();
        this.sockets =
                fcApi != null || chCounters != null || qemu != null
                        ? new LatestOutcome<>(
                                executor,
                                () -> {
                                    if (qemu != null) {
                                        qemu.close();
                                    }
                                    if (api != null) {
                                        api.close();
                                    }
                                })
                        : null;
        boolean hasVcpuNames = kind != HypervisorKind.NONE;
        this.vcpu =
                pid > 0 && hasVcpuNames
                        ? new VcpuReader(
                                options.procRoot(),
                                pid,
                                qemu != null ? qemu : byName,
                                options.vcpuRescanEvery())
                        : null;
        this.process =
                pid > 0 ? new ProcessReader(options.procRoot(), pid, options.pssEvery()) : null;
        this.cgroup =
                pid > 0 || targets.cgroupPath() != null
                        ? new CgroupReader(options.procRoot(), pid, targets.cgroupPath())
                        : null;
        this.taps =
                targets.tapNames().isEmpty()
                        ? null
                        : new TapReader(options.sysfsRoot(), targets.tapNames());
    }

    public HostTargets targets() {
        return targets;
    }

    /**
     * Reads every source into {@code into}, clearing it first. Never throws, never waits on a
     * socket given an executor.
     */
    public void read(HostReading into) {
        into.clear();
        into.readStartNanos = System.nanoTime();
        metricsIncomplete = null;
        // First, so that a QEMU round run inline has found the vCPU threads the scan below asks
        // for.
        Round round = sockets == null ? null : sockets.latest(this::exchange);
        if (vcpu != null) {
            vcpu.readInto(into);
        }
        if (process != null) {
            process.readInto(into);
        }
        if (cgroup != null) {
            cgroup.readInto(into);
        }
        DeviceCounters device = readBlock(into, round);
        readNet(into, device);
        readBalloon(into, round);
    }

    /** One round of this VM's socket exchanges; never throws. */
    private Round exchange() {
        long now = System.nanoTime();
        if (fcApi != null
                && fcMetrics != null
                && (!flushedOnce || now - lastFlushNanos >= flushIntervalNanos)) {
            lastFlushNanos = now;
            flushedOnce = true;
            try {
                fcApi.flushMetrics();
                lastFlushFailure = null;
            } catch (IOException e) {
                lastFlushFailure = e;
            }
        }
        IOException flushFailure = lastFlushFailure;
        DeviceCounters device = null;
        Exception deviceFailure = null;
        try {
            device = chCounters != null ? chCounters.poll() : qemu != null ? qemu.poll() : null;
        } catch (IOException | RuntimeException e) {
            deviceFailure = e;
        }
        Balloon balloon = null;
        Exception balloonFailure = null;
        if (fcApi != null && targets.balloonEnabled()) {
            try {
                balloon = fcApi.readBalloon();
            } catch (IOException | RuntimeException e) {
                balloonFailure = e;
            }
        }
        return new Round(flushFailure, device, deviceFailure, balloon, balloonFailure);
    }

    /**
     * Reads block counters; returns the VMM's device counters (with its net counters) or null.
     * Before the first round of socket exchanges has finished, block from a socket stays absent.
     */
    private DeviceCounters readBlock(HostReading into, Round round) {
        try {
            DeviceCounters device;
            if (fcMetrics != null) {
                device = pollFirecracker(into, round);
            } else if (chCounters != null || qemu != null) {
                if (round == null) {
                    return null;
                }
                if (round.deviceFailure() != null) {
                    into.markFailed(Source.BLOCK, round.deviceFailure());
                    return null;
                }
                device = round.device();
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
     * Reads every line written since the last read. A failed flush marks the block source failed
     * (its totals are then only as fresh as the last flush), and so do lines skipped.
     */
    private DeviceCounters pollFirecracker(HostReading into, Round round) throws IOException {
        if (round != null && round.flushFailure() != null) {
            into.markFailed(Source.BLOCK, round.flushFailure());
        }
        long skippedBefore = fcMetrics.linesSkipped();
        fcMetrics.poll();
        long skipped = fcMetrics.linesSkipped() - skippedBefore;
        into.metricsLinesSkipped = fcMetrics.linesSkipped();
        if (skipped > 0) {
            // The skipped lines held deltas that are now lost: totals from here on are short.
            metricsIncomplete =
                    skipped
                            + (skipped == 1 ? " metrics line" : " metrics lines")
                            + " skipped in this reading ("
                            + targets.metricsPath()
                            + ")";
            into.markFailed(Source.BLOCK, metricsIncomplete);
        }
        return fcMetrics.totals();
    }

    private void readBalloon(HostReading into, Round round) {
        if (fcApi == null || !targets.balloonEnabled() || round == null) {
            return;
        }
        if (round.balloon() != null) {
            round.balloon().copyInto(into);
            into.markPresent(Source.BALLOON);
        } else {
            into.markFailed(Source.BALLOON, round.balloonFailure());
        }
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
        if (sockets != null) {
            sockets.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {vcpu, process, cgroup, taps, fcMetrics}) {
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
