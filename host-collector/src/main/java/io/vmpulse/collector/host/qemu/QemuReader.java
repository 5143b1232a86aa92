package io.vmpulse.collector.host.qemu;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.vmpulse.collector.host.DeviceCounters;
import io.vmpulse.collector.host.vcpu.ThreadFinder;
import io.vmpulse.collector.host.vcpu.VcpuThread;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What QEMU tells through QMP (qapi/block-core.json, qapi/machine.json): block counters from {@code
 * query-blockstats} (cumulative {@code rd_bytes}, {@code wr_bytes}, {@code rd_operations}, {@code
 * wr_operations} of each device's front end), and the vCPU threads from {@code query-cpus-fast}
 * ({@code thread-id}, {@code cpu-index}), with the thread names {@code CPU N/...} as a fallback
 * when QMP cannot answer.
 *
 * <p>Every QMP exchange happens in {@link #poll()}, which a {@link
 * io.vmpulse.collector.host.HostSampler} may run on another thread than its reads: {@link #find}
 * only hands out the threads that the last poll found and asks the next poll to look again, so it
 * never waits on QMP.
 */
public final class QemuReader implements ThreadFinder, AutoCloseable {

    private final QmpClient qmp;
    private final List<String> driveIds;
    private final ThreadFinder byName;
    private volatile List<VcpuThread> qmpThreads;
    private volatile boolean threadsWanted = true;

    /**
     * @param driveIds block device names to count ({@code device} or {@code qdev}); empty counts
     *     all
     */
    public QemuReader(QmpClient qmp, List<String> driveIds, ThreadFinder byName) {
        this.qmp = qmp;
        this.driveIds = List.copyOf(driveIds);
        this.byName = byName;
    }

    /**
     * Queries the vCPU threads when {@link #find} asked for them, then the block counters; returns
     * the counters in a new object, each drive named by its {@code device} (its {@code qdev} when
     * it has none, as a {@code -blockdev} drive). A failed thread query leaves the name fallback in
     * use.
     */
    public DeviceCounters poll() throws IOException {
        if (threadsWanted) {
            threadsWanted = false;
            try {
                qmpThreads = queryThreads();
            } catch (IOException | RuntimeException qmpUnavailable) {
                qmpThreads = null;
            }
        }
        DeviceCounters counters = new DeviceCounters();
        try {
            for (JsonElement e : qmp.execute("query-blockstats").getAsJsonArray()) {
                JsonObject dev = e.getAsJsonObject();
                if (!driveIds.isEmpty()
                        && !driveIds.contains(text(dev, "device"))
                        && !driveIds.contains(text(dev, "qdev"))) {
                    continue;
                }
                JsonObject s = dev.getAsJsonObject("stats");
                String device = text(dev, "device");
                DeviceCounters.Drive d =
                        counters.drive(device.isEmpty() ? text(dev, "qdev") : device);
                long rb = s.get("rd_bytes").getAsLong();
                long wb = s.get("wr_bytes").getAsLong();
                long ro = s.get("rd_operations").getAsLong();
                long wo = s.get("wr_operations").getAsLong();
                d.readBytes += rb;
                d.writeBytes += wb;
                d.readOps += ro;
                d.writeOps += wo;
                counters.hasBlock = true;
                counters.readBytes += rb;
                counters.writeBytes += wb;
                counters.readOps += ro;
                counters.writeOps += wo;
            }
        } catch (RuntimeException malformed) {
            throw new IOException(
                    "query-blockstats: unexpected answer ("
                            + malformed.getClass().getSimpleName()
                            + ")");
        }
        return counters;
    }

    private List<VcpuThread> queryThreads() throws IOException {
        List<VcpuThread> threads = new ArrayList<>();
        for (JsonElement e : qmp.execute("query-cpus-fast").getAsJsonArray()) {
            JsonObject cpu = e.getAsJsonObject();
            threads.add(
                    new VcpuThread(
                            cpu.get("thread-id").getAsInt(), cpu.get("cpu-index").getAsInt()));
        }
        return threads;
    }

    /** The threads the last {@link #poll} got from QMP, or found by name when it got none. */
    @Override
    public List<VcpuThread> find(int pid) throws IOException {
        threadsWanted = true;
        List<VcpuThread> threads = qmpThreads;
        return threads != null ? threads : byName.find(pid);
    }

    private static String text(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    @Override
    public void close() {
        qmp.close();
    }
}
