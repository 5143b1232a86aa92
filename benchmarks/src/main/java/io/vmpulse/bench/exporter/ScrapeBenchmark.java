package io.vmpulse.bench.exporter;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.exporter.exposition.ScrapeWriter;
import io.vmpulse.exporter.exposition.TextFormat;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.metrics.RegistryCollector;
import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One scrape of N VMs of the shape (2 vCPUs, 3 filesystems, 1 disk, 1 NIC), in process:
 * {@code text} and {@code openMetrics} stream the page as the exporter serves it, {@code gzip}
 * gzipped at the exporter's level 1 and {@code gzipDefaultLevel} at zlib's default 6; {@code
 * libraryText} builds the library's snapshots and writes them with its writer (the old way, and
 * still the protobuf path's model), for the ratio. The output goes to a byte counter, so no buffer
 * growth is measured. Sample mode: median and p99.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar exporter.ScrapeBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-XX:+UseSerialGC", "-Xms16m", "-Xmx96m"})
public class ScrapeBenchmark {

    @Param({"1000", "4096"})
    int vms;

    private Path path;
    private RegistryWriter writer;
    private RegistryCollector collector;
    private ScrapeWriter streamed;

    /** Bytes written by the last scrape; printed once at teardown. */
    private long lastBytes;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        path = Path.of("/dev/shm/vmpulse-scrapebench-" + ProcessHandle.current().pid());
        writer = RegistryWriter.create(new RegistryOptions(path, vms, null));
        VmRecord r = new VmRecord();
        long now = System.nanoTime();
        for (int i = 0; i < vms; i++) {
            int slot = writer.claim(String.format("vm-%05d", i));
            FleetRegistry.fill(r, i, 0, 2, 3, now);
            writer.publish(slot, r);
        }
        writer.heartbeat();
        // Freshness does not change the work; a long limit keeps every VM up through the run.
        RegistryScraper scraper = new RegistryScraper(path);
        ExportOptions options = new ExportOptions(java.time.Duration.ofDays(1), null);
        collector = new RegistryCollector(scraper, options);
        streamed = new ScrapeWriter(scraper, options, new PrometheusRegistry());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        System.out.println("\n" + vms + " VMs: " + lastBytes + " bytes in the last scrape");
        writer.close();
        Files.deleteIfExists(path);
    }

    /** The library's way, as the exporter still serves protobuf: snapshots, then its writer. */
    @Benchmark
    public long libraryText() throws IOException {
        Counter out = new Counter();
        PrometheusTextFormatWriter.create().write(out, collector.collect());
        return out.bytes;
    }

    @Benchmark
    public long text() throws IOException {
        Counter out = new Counter();
        streamed.write(out, TextFormat.PROMETHEUS, PrometheusTextFormatWriter.create());
        lastBytes = out.bytes;
        return out.bytes;
    }

    @Benchmark
    public long openMetrics() throws IOException {
        Counter out = new Counter();
        streamed.write(out, TextFormat.OPENMETRICS, OpenMetricsTextFormatWriter.create());
        return out.bytes;
    }

    /** Gzipped as the exporter serves it: level 1 (Deflater.BEST_SPEED). */
    @Benchmark
    public long gzip() throws IOException {
        return gzipped(Deflater.BEST_SPEED);
    }

    /** Gzipped at zlib's default level 6, as the library's handler does. */
    @Benchmark
    public long gzipDefaultLevel() throws IOException {
        return gzipped(Deflater.DEFAULT_COMPRESSION);
    }

    private long gzipped(int level) throws IOException {
        Counter out = new Counter();
        try (GZIPOutputStream gz =
                new GZIPOutputStream(out, 65536) {
                    {
                        def.setLevel(level);
                    }
                }) {
            streamed.write(gz, TextFormat.PROMETHEUS, PrometheusTextFormatWriter.create());
        }
        return out.bytes;
    }

    /** Counts what is written and keeps none of it. */
    static final class Counter extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
