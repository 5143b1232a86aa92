package io.vmpulse.exporter.otlp;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The points of one VM, gathered metric by metric, then handed out as one {@link MetricData} per
 * metric that has any. Each point's times come from where its metric's values come from:
 *
 * <ul>
 *   <li>guest values: observed when the collector received the guest sample ({@code
 *       last_guest_unix_ns}); counters started at the guest's boot ({@code boot_time_unix_s}), the
 *       instant the kernel's counters were zero, and which changes exactly when they restart;
 *   <li>host values: observed at {@code last_host_unix_ns}; counters started when the VM's slot was
 *       claimed ({@code claimed_unix_ns}), the first instant this registry vouches for them. A new
 *       claim (a new collector, or the VM registered again) is when the collector's own sums, such
 *       as Firecracker's flushed deltas, start again from zero;
 *   <li>the collector's own counts of the VM: at push time, started at the claim.
 * </ul>
 *
 * A guest boot time that is absent, or later than its own sample (a guest may lie), falls back to
 * the claim. A start time is never later than its point.
 *
 * <p>Values the registry holds as u64 and that do not fit a signed 64-bit point (only a hostile or
 * broken guest sends those) yield no point.
 */
final class VmPoints {

    private static final int METRICS = OtlpMetric.values().length;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final List<List<Object>> points = new ArrayList<>(Collections.nCopies(METRICS, null));
    private long guestStart;
    private long guestTime;
    private long hostStart;
    private long hostTime;
    private long collectorStart;
    private long collectorTime;

    /** Starts a VM: works out its points' times. */
    void begin(VmRecord r, long claimedUnixNanos, long nowUnixNanos) {
        collectorTime = nowUnixNanos;
        collectorStart =
                claimedUnixNanos > 0 && claimedUnixNanos <= nowUnixNanos
                        ? claimedUnixNanos
                        : nowUnixNanos;
        long lastGuest = r.getLong(RecordFields.LAST_GUEST_UNIX_NS);
        long lastHost = r.getLong(RecordFields.LAST_HOST_UNIX_NS);
        guestTime = lastGuest > 0 ? lastGuest : nowUnixNanos;
        hostTime = lastHost > 0 ? lastHost : nowUnixNanos;
        hostStart = Math.min(collectorStart, hostTime);
        long boot = r.getLong(RecordFields.BOOT_TIME_UNIX_S);
        guestStart =
                boot > 0 && boot <= guestTime / NANOS_PER_SECOND
                        ? boot * NANOS_PER_SECOND
                        : Math.min(collectorStart, guestTime);
    }

    /** A point of a long metric; a value beyond the signed range yields none. */
    void addLong(OtlpMetric m, Attributes a, long value) {
        if (m.doubles()) {
            throw new IllegalArgumentException(m + " carries doubles");
        }
        if (value >= 0) {
            list(m).add(LongPointData.create(start(m), time(m), a, value));
        }
    }

    /**
     * A point of a seconds metric from a nanosecond count; a value beyond the signed range yields
     * none.
     */
    void addSeconds(OtlpMetric m, Attributes a, long nanos) {
        if (!m.doubles()) {
            throw new IllegalArgumentException(m + " carries longs");
        }
        if (nanos >= 0) {
            list(m).add(DoublePointData.create(start(m), time(m), a, nanos / 1e9, List.of()));
        }
    }

    /**
     * Hands out one MetricData per metric with points, all under {@code resource}, and forgets
     * them.
     */
    @SuppressWarnings("unchecked")
    void drainTo(Resource resource, InstrumentationScopeInfo scope, List<MetricData> out) {
        for (OtlpMetric m : OtlpMetric.values()) {
            List<Object> p = points.get(m.ordinal());
            if (p == null) {
                continue;
            }
            points.set(m.ordinal(), null);
            Data<?> data =
                    switch (m.dataType()) {
                        case LONG_SUM ->
                                SumData.createLongSumData(
                                        m.kind() == OtlpMetric.Kind.COUNTER,
                                        AggregationTemporality.CUMULATIVE,
                                        (List<LongPointData>) (List<?>) p);
                        case DOUBLE_SUM ->
                                SumData.createDoubleSumData(
                                        m.kind() == OtlpMetric.Kind.COUNTER,
                                        AggregationTemporality.CUMULATIVE,
                                        (List<DoublePointData>) (List<?>) p);
                        case LONG_GAUGE ->
                                GaugeData.createLongGaugeData((List<LongPointData>) (List<?>) p);
                        case DOUBLE_GAUGE ->
                                GaugeData.createDoubleGaugeData(
                                        (List<DoublePointData>) (List<?>) p);
                        default -> throw new IllegalStateException(m.dataType().toString());
                    };
            out.add(new VmMetricData(resource, scope, m, data));
        }
    }

    private List<Object> list(OtlpMetric m) {
        List<Object> p = points.get(m.ordinal());
        if (p == null) {
            p = new ArrayList<>(4);
            points.set(m.ordinal(), p);
        }
        return p;
    }

    private long start(OtlpMetric m) {
        if (m.kind() == OtlpMetric.Kind.GAUGE) {
            return 0;
        }
        return switch (m.source()) {
            case GUEST -> guestStart;
            case HOST -> hostStart;
            case COLLECTOR -> collectorStart;
        };
    }

    private long time(OtlpMetric m) {
        return switch (m.source()) {
            case GUEST -> guestTime;
            case HOST -> hostTime;
            case COLLECTOR -> collectorTime;
        };
    }
}
