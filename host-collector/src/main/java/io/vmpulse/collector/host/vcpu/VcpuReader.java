package io.vmpulse.collector.host.vcpu;

import io.vmpulse.collector.host.proc.KernelFile;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code /proc/PID/task/TID/schedstat} of each vCPU thread: time on a CPU (ns) and time
 * waiting on a run queue (ns), which the guest later sees as steal.
 *
 * <p>The thread list is cached with one kept-open file per thread. It is found again when a thread
 * has vanished (vCPU unplugged, VM exiting), when none was found yet, and every {@code rescanEvery}
 * reads so that hot-plugged vCPUs are picked up.
 */
public final class VcpuReader implements AutoCloseable {

    private static final int SCHEDSTAT_CAPACITY = 64;

    private final Path procRoot;
    private final int pid;
    private final ThreadFinder finder;
    private final int rescanEvery;
    private final List<Entry> threads = new ArrayList<>();
    private int readsSinceScan;
    private boolean scanNeeded = true;

    private record Entry(int tid, int index, KernelFile schedstat) {}

    public VcpuReader(Path procRoot, int pid, ThreadFinder finder, int rescanEvery) {
        this.procRoot = procRoot;
        this.pid = pid;
        this.finder = finder;
        this.rescanEvery = rescanEvery;
    }

    /** Fills the vCPU fields of {@code into} and marks {@link Source#VCPU} present or failed. */
    public void readInto(HostReading into) {
        try {
            if (scanNeeded || ++readsSinceScan >= rescanEvery) {
                scan();
            }
            if (!readAll(into)) {
                scan();
                if (!readAll(into)) {
                    throw new IOException("vCPU threads vanish faster than they can be found");
                }
            }
            if (into.vcpuCount == 0) {
                // A VMM still starting has not made its vCPU threads yet: look again next time.
                scanNeeded = true;
                into.markFailed(Source.VCPU, "no vCPU threads found");
            } else {
                into.markPresent(Source.VCPU);
            }
        } catch (IOException | RuntimeException e) {
            scanNeeded = true;
            into.vcpuCount = 0;
            into.vcpuSlots = 0;
            into.vcpuRunNs = into.vcpuWaitNs = HostReading.ABSENT;
            into.markFailed(Source.VCPU, e);
        }
    }

    /** Reads every cached thread; false (and a rescan due) if one of them has vanished. */
    private boolean readAll(HostReading into) {
        int slots = 0;
        for (Entry e : threads) {
            slots = Math.max(slots, e.index + 1);
        }
        into.resetVcpuSlots(slots);
        into.vcpuCount = 0;
        long run = 0;
        long wait = 0;
        for (Entry e : threads) {
            KernelFile f = e.schedstat;
            long r;
            long w;
            try {
                f.read();
                r = f.nextLong();
                w = f.nextLong();
            } catch (IOException vanished) {
                // Reopened by path if the scan finds this tid again (a new thread may reuse it).
                f.close();
                scanNeeded = true;
                return false;
            }
            into.vcpuRunNsByIndex[e.index] = r;
            into.vcpuWaitNsByIndex[e.index] = w;
            into.vcpuTidByIndex[e.index] = e.tid;
            run += r;
            wait += w;
            into.vcpuCount++;
        }
        into.vcpuRunNs = run;
        into.vcpuWaitNs = wait;
        return true;
    }

    /** Finds the vCPU threads again, keeping the open files of threads that are still there. */
    private void scan() throws IOException {
        readsSinceScan = 0;
        Path task = procRoot.resolve(Integer.toString(pid)).resolve("task");
        if (!Files.isDirectory(task)) {
            closeThreads();
            throw new IOException("vmm exited: no " + task);
        }
        List<VcpuThread> found = finder.find(pid);
        List<Entry> kept = new ArrayList<>(found.size());
        for (VcpuThread t : found) {
            Entry reused = null;
            for (Entry e : threads) {
                if (e.tid == t.tid() && e.index == t.index()) {
                    reused = e;
                    break;
                }
            }
            kept.add(
                    reused != null
                            ? reused
                            : new Entry(
                                    t.tid(),
                                    t.index(),
                                    new KernelFile(
                                            task.resolve(Integer.toString(t.tid()))
                                                    .resolve("schedstat"),
                                            SCHEDSTAT_CAPACITY)));
        }
        for (Entry e : threads) {
            if (!kept.contains(e)) {
                e.schedstat.close();
            }
        }
        threads.clear();
        threads.addAll(kept);
        scanNeeded = false;
    }

    private void closeThreads() {
        for (Entry e : threads) {
            e.schedstat.close();
        }
        threads.clear();
    }

    @Override
    public void close() {
        closeThreads();
    }
}
