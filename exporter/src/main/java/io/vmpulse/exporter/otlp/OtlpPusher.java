package io.vmpulse.exporter.otlp;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Pushes every VM in the registry to an OTLP receiver over http/protobuf, on an interval, from a
 * thread of its own: {@code new OtlpPusher(registry, settings).start()}, then {@link #close()}.
 *
 * <h2>When the receiver is down</h2>
 *
 * Each push is attempted up to {@link OtlpSettings#maxAttempts()} times with exponential backoff
 * (the SDK exporter's retry policy), then given up. A push is sent as requests of {@value
 * #VMS_PER_REQUEST} VMs, one after the other; a failed request ends the push (the VMs already sent
 * stay delivered). Nothing is queued: the next push reads the registry afresh, so memory stays at
 * one push's worth however long the receiver is away, and what it missed is only the resolution of
 * cumulative counters, never their totals. At most one push is in flight. A failure of any kind is
 * logged once per change of state ({@link PushHealth}), and no exception leaves the push thread, so
 * the rest of the process (the Prometheus endpoint) never notices.
 */
public final class OtlpPusher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(OtlpPusher.class.getName());

    /**
     * VMs per request. One request of 1,000 VMs is about 12 MB of protobuf (0.6 MB gzipped); the
     * Collector's OTLP/HTTP receiver refuses bodies over 20 MiB by default, and the exporter holds
     * a request's MetricData and marshalling state in memory while it sends it. 200 VMs make
     * requests of about 2.4 MB and keep the push's memory flat in the fleet's size.
     */
    static final int VMS_PER_REQUEST = 200;

    /**
     * The SDK exporter logs every failed export; {@link PushHealth} logs the changes instead. Held
     * here so that the level set on it is not lost with a collected logger.
     */
    private static final Logger SDK_EXPORTER_LOG = Logger.getLogger("io.opentelemetry.exporter");

    private final OtlpSettings settings;
    private final RegistryMetrics metrics;
    private final MetricExporter exporter;
    private final PushHealth health;
    private final ScheduledExecutorService thread;
    private CompletableResultCode inFlight;
    private String failure;

    /** A pusher with default retry, timeout and compression (gzip). */
    public OtlpPusher(Path registry, URI endpoint, Duration interval) {
        this(registry, OtlpSettings.of(endpoint, interval));
    }

    public OtlpPusher(Path registry, OtlpSettings settings) {
        SDK_EXPORTER_LOG.setLevel(Level.OFF);
        this.settings = settings;
        this.metrics = new RegistryMetrics(registry);
        this.health = new PushHealth(settings.endpoint().toString());
        this.exporter = newExporter(settings);
        this.thread =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "vmpulse-otlp-push");
                            t.setDaemon(true);
                            return t;
                        });
    }

    private static MetricExporter newExporter(OtlpSettings s) {
        OtlpHttpMetricExporterBuilder b =
                OtlpHttpMetricExporter.builder()
                        .setEndpoint(s.endpoint().toString())
                        .setTimeout(s.timeout())
                        .setConnectTimeout(s.timeout())
                        .setCompression(s.compression())
                        // One push at a time, so the exporter may reuse its marshalling buffers.
                        .setMemoryMode(MemoryMode.REUSABLE_DATA)
                        // The exporter's own telemetry would need a MeterProvider of its own; not
                        // wanted.
                        .setMeterProvider(MeterProvider::noop);
        if (s.maxAttempts() > 1) {
            b.setRetryPolicy(
                    RetryPolicy.builder()
                            .setMaxAttempts(s.maxAttempts())
                            .setInitialBackoff(s.firstBackoff())
                            .setMaxBackoff(OtlpSettings.MAX_BACKOFF)
                            .setBackoffMultiplier(2)
                            .build());
        } else {
            b.setRetryPolicy(null);
        }
        s.headers().forEach(b::addHeader);
        return b.build();
    }

    /** Starts pushing now and then every interval. */
    public OtlpPusher start() {
        long every = settings.interval().toNanos();
        thread.scheduleWithFixedDelay(this::pushQuietly, 0, every, TimeUnit.NANOSECONDS);
        LOG.info(
                "OTLP push to "
                        + settings.endpoint()
                        + " every "
                        + settings.interval().toMillis() / 1000.0
                        + " s ("
                        + settings.compression()
                        + ")");
        return this;
    }

    /**
     * One push, on the calling thread: reads the registry, exports, waits for the outcome (at most
     * {@link OtlpSettings#worstCase()}).
     *
     * @return true when the receiver accepted it
     */
    public synchronized boolean pushOnce() {
        if (inFlight != null && !inFlight.isDone()) {
            health.failed(
                    "the previous push has had no answer for longer than "
                            + settings.worstCase().toSeconds()
                            + " s");
            return false;
        }
        inFlight = null;
        failure = null;
        int vms;
        try {
            vms = metrics.collect(nowUnixNanos(), VMS_PER_REQUEST, this::exportAndWait);
        } catch (IOException | RuntimeException e) {
            health.failed("cannot read the registry: " + e);
            return false;
        }
        if (failure != null) {
            health.failed(failure);
            return false;
        }
        health.delivered(vms);
        return true;
    }

    /** One request of the push; false (and {@link #failure} set) stops the push there. */
    private boolean exportAndWait(List<MetricData> batch) {
        CompletableResultCode result = exporter.export(batch);
        result.join(settings.worstCase().toMillis(), TimeUnit.MILLISECONDS);
        if (!result.isDone()) {
            inFlight = result;
            failure = "no answer within " + settings.worstCase().toSeconds() + " s";
        } else if (!result.isSuccess()) {
            failure = describe(result.getFailureThrowable());
        }
        return failure == null;
    }

    /** True after a delivered push, until a failed one. */
    public boolean up() {
        return health.up();
    }

    /** Pushes that failed since the last delivered one. */
    public long failuresInRow() {
        return health.failuresInRow();
    }

    private void pushQuietly() {
        try {
            pushOnce();
        } catch (Throwable t) {
            // A scheduled task that throws is never run again: nothing may escape.
            health.failed("unexpected " + t);
        }
    }

    /**
     * Why an export failed, in a few words. The exporter's failure type is in an internal package
     * of the SDK; the pinned BOM keeps it stable, and the endpoint-down tests read this text.
     */
    static String describe(Throwable t) {
        if (t instanceof FailedExportException.HttpExportException h) {
            if (h.failedWithResponse()) {
                return "the receiver answered HTTP " + h.getResponse().getStatusCode();
            }
            t = h.getCause() != null ? h.getCause() : t;
        }
        if (t == null) {
            return "the export failed";
        }
        return t.getMessage() == null
                ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static long nowUnixNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Stops pushing (an export under way is given a few seconds) and releases the registry. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exporter.shutdown().join(5, TimeUnit.SECONDS);
        synchronized (this) {
            metrics.close();
        }
    }
}
