package io.vmpulse.exporter.otlp;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One push's worth of metrics, read fresh from the registry: every live slot once (with the
 * reader's seqlock retry), each VM under a Resource of its own.
 *
 * <h2>Why MetricData and not instruments</h2>
 *
 * An SDK {@code MeterProvider} has one Resource, and a thousand VMs need a thousand. A provider per
 * VM would keep a thousand sets of aggregation state, copies of what the registry already holds,
 * each with its own cardinality limit and a reader to drive. The registry's values are already
 * cumulative and consistent, so this builds the SDK's {@link MetricData} (its public export model)
 * straight from each slot and hands the list to the OTLP exporter, which groups it by Resource.
 * Nothing aggregates, so there is no cardinality limit to fold series into an overflow series, and
 * nothing is kept between pushes: a VM whose slot is gone is simply not in the next one.
 *
 * <p>Not thread-safe: one push at a time.
 */
public final class RegistryMetrics implements AutoCloseable {

    static final InstrumentationScopeInfo SCOPE =
            InstrumentationScopeInfo.builder("io.vmpulse.exporter.otlp").build();

    private final Path path;
    private final VmPoints points = new VmPoints();
    private RegistryReader reader;
    private NamedFields fields;
    private SlotSnapshot snapshot;

    public RegistryMetrics(Path path) {
        this.path = path;
    }

    /**
     * Reads every live VM now and returns its metrics. Opens the registry on first use, and again
     * when a new collector has replaced the file.
     *
     * @throws IOException when there is no readable registry (no collector, or a damaged file)
     */
    public List<MetricData> collect(long nowUnixNanos) throws IOException {
        List<MetricData> all = new ArrayList<>();
        collect(
                nowUnixNanos,
                Integer.MAX_VALUE,
                batch -> {
                    all.addAll(batch);
                    return true;
                });
        return all;
    }

    /**
     * Reads every live VM now and hands the metrics to {@code batch} for every {@code vmsPerBatch}
     * VMs, and for the rest at the end (never an empty batch). Stops reading when {@code batch}
     * returns false. So a push holds one batch's MetricData at a time, not the whole fleet's.
     *
     * @return how many VMs were handed to {@code batch}
     */
    public int collect(long nowUnixNanos, int vmsPerBatch, Batch batch) throws IOException {
        RegistryReader r = ensureOpen();
        Batcher b = new Batcher(vmsPerBatch, batch);
        // A slot the writer kept busy through every seqlock attempt is left out of this push only.
        r.forEachLive(
                snapshot,
                s -> {
                    if (b.open) {
                        addVm(s, nowUnixNanos, b.current);
                        b.added();
                    }
                });
        b.flush();
        return b.handed;
    }

    /** Takes one batch of VMs' metrics; false stops the reading. */
    @FunctionalInterface
    public interface Batch {
        boolean accept(List<MetricData> metrics);
    }

    private static final class Batcher {
        final int size;
        final Batch batch;
        List<MetricData> current = new ArrayList<>();
        int inCurrent;
        int handed;
        boolean open = true;

        Batcher(int size, Batch batch) {
            if (size < 1) {
                throw new IllegalArgumentException("batches hold at least one VM, not " + size);
            }
            this.size = size;
            this.batch = batch;
        }

        void added() {
            if (++inCurrent == size) {
                flush();
            }
        }

        void flush() {
            if (inCurrent > 0 && open) {
                open = batch.accept(current);
                handed += inCurrent;
                current = new ArrayList<>();
                inCurrent = 0;
            }
        }
    }

    private void addVm(SlotSnapshot s, long nowUnixNanos, List<MetricData> out) {
        VmRecord r = s.sample();
        points.begin(r, s.claimedUnixNanos(), nowUnixNanos);
        GuestCpuMapping.map(r, fields, points);
        GuestMemoryMapping.map(r, fields, points);
        GuestFilesystemMapping.map(r, fields, points);
        HostMapping.map(r, points);
        HostIoMapping.map(r, fields, points);
        points.drainTo(VmResource.of(s.vmId(), r, fields), SCOPE, out);
    }

    private RegistryReader ensureOpen() throws IOException {
        if (reader == null) {
            reader = RegistryReader.open(path);
            renew();
        } else if (reader.reopenIfReplaced()) {
            renew();
        }
        return reader;
    }

    private void renew() {
        fields = new NamedFields(reader.directory());
        snapshot = reader.newSnapshot();
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
