package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.opentelemetry.api.common.Attributes;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * What only the host sees of a VM: its vCPU threads, the VMM process, its cgroup and its balloon;
 * and the collector's own view of the VM (guest freshness, rejects, restarts, losses).
 */
final class HostMapping {

    /** One attribute set per reject reason, in the order of {@code REJECTED_BY_REASON}. */
    private static final Attributes[] REJECT_REASONS =
            REJECTED_BY_REASON.stream()
                    .map(
                            f ->
                                    Attributes.of(
                                            Keys.ERROR_TYPE,
                                            f.name().substring("rejected_".length())))
                    .toArray(Attributes[]::new);

    private HostMapping() {}

    static void map(VmRecord r, VmPoints p) {
        Attributes none = Attributes.empty();
        if (r.isPresent(RecordFlags.PRESENT_HOST_VCPU)) {
            long vcpus = r.getUnsignedInt(VCPU_COUNT);
            if (vcpus > 0 && vcpus <= VCPU_RUN_NS_EACH.count()) {
                for (int i = 0; i < vcpus; i++) {
                    Attributes a = Attributes.of(Keys.VCPU_NUMBER, (long) i);
                    p.addSeconds(OtlpMetric.VCPU_TIME, a, r.getLong(VCPU_RUN_NS_EACH, i));
                    p.addSeconds(OtlpMetric.VCPU_WAIT_TIME, a, r.getLong(VCPU_WAIT_NS_EACH, i));
                }
            } else {
                // More vCPUs than the registry has room for: only the sums cover them all.
                p.addSeconds(OtlpMetric.VCPU_TIME, none, r.getLong(VCPU_RUN_NS));
                p.addSeconds(OtlpMetric.VCPU_WAIT_TIME, none, r.getLong(VCPU_WAIT_NS));
            }
        }
        if (r.isPresent(RecordFlags.PRESENT_HOST_PROCESS)) {
            p.addSeconds(OtlpMetric.VMM_CPU_TIME, Keys.USER, r.getLong(VMM_CPU_USER_NS));
            p.addSeconds(OtlpMetric.VMM_CPU_TIME, Keys.SYSTEM, r.getLong(VMM_CPU_SYSTEM_NS));
            p.addLong(OtlpMetric.VMM_MEMORY_USAGE, none, r.getLong(VMM_RSS_BYTES));
            p.addLong(OtlpMetric.VMM_MEMORY_PSS, none, r.getLong(VMM_PSS_BYTES));
            p.addLong(OtlpMetric.VMM_THREAD_COUNT, none, r.getLong(VMM_THREADS));
        }
        if (r.isPresent(RecordFlags.PRESENT_HOST_CGROUP)) {
            p.addSeconds(OtlpMetric.CGROUP_CPU_TIME, none, r.getLong(CGROUP_CPU_NS));
            p.addLong(OtlpMetric.CGROUP_MEMORY_USAGE, none, r.getLong(CGROUP_MEMORY_BYTES));
            p.addLong(OtlpMetric.CGROUP_DISK_IO, Keys.READ, r.getLong(CGROUP_IO_READ_BYTES));
            p.addLong(OtlpMetric.CGROUP_DISK_IO, Keys.WRITE, r.getLong(CGROUP_IO_WRITE_BYTES));
        }
        if (r.isPresent(RecordFlags.PRESENT_HOST_BALLOON)) {
            p.addLong(OtlpMetric.BALLOON_TARGET, none, r.getLong(BALLOON_TARGET_BYTES));
            p.addLong(OtlpMetric.BALLOON_ACTUAL, none, r.getLong(BALLOON_ACTUAL_BYTES));
            p.addLong(OtlpMetric.BALLOON_STATS_FREE, none, r.getLong(BALLOON_FREE_BYTES));
            p.addLong(OtlpMetric.BALLOON_STATS_TOTAL, none, r.getLong(BALLOON_TOTAL_BYTES));
            p.addLong(OtlpMetric.BALLOON_STATS_AVAILABLE, none, r.getLong(BALLOON_AVAILABLE_BYTES));
        }

        boolean fresh =
                r.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED)
                        && !r.hasFlags(RecordFlags.FLAG_GUEST_STALE);
        p.addLong(OtlpMetric.GUEST_UP, none, fresh ? 1 : 0);
        for (int i = 0; i < REJECT_REASONS.length; i++) {
            p.addLong(
                    OtlpMetric.GUEST_REJECTED_MESSAGES,
                    REJECT_REASONS[i],
                    r.getLong(REJECTED_BY_REASON.get(i)));
        }
        p.addLong(OtlpMetric.GUEST_THROTTLED_MESSAGES, none, r.getLong(THROTTLED_MESSAGES));
        p.addLong(OtlpMetric.GUEST_DUPLICATE_SAMPLES, none, r.getLong(DUPLICATE_SAMPLES));
        p.addLong(OtlpMetric.GUEST_RESTARTS, none, r.getLong(GUEST_RESTARTS));
        p.addLong(OtlpMetric.GUEST_COUNTER_RESETS, none, r.getLong(COUNTER_RESETS));
        p.addLong(OtlpMetric.GUEST_DROPPED_SAMPLES, none, r.getLong(DROPPED_SAMPLES));
        p.addLong(OtlpMetric.HOST_METRICS_LINES_SKIPPED, none, r.getLong(METRICS_LINES_SKIPPED));
    }
}
