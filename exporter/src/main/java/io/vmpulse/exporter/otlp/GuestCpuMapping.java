package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.opentelemetry.api.common.Attributes;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * The guest's /proc/stat: CPU time by mode (per CPU when the registry carries it), CPUs online,
 * processes and context switches.
 *
 * <p>Modes follow the hostmetrics receiver: {@code irq} is {@code interrupt} (the conventions'
 * name) and {@code softirq} keeps its own value, so the modes still add up to the CPU's time.
 * {@code guest} and {@code guest_nice} are already in {@code user} and {@code nice}, as in the
 * kernel, so they go to a metric of their own rather than count twice.
 */
final class GuestCpuMapping {

    private static final String[] MODES = {
        "user", "nice", "system", "idle", "iowait", "interrupt", "softirq", "steal", "user", "nice"
    };

    /** Modes at and after this index are time spent running nested guests. */
    private static final int FIRST_GUEST_MODE = 8;

    private static final RecordField[] TOTAL_NS = {
        CPU_USER_NS,
        CPU_NICE_NS,
        CPU_SYSTEM_NS,
        CPU_IDLE_NS,
        CPU_IOWAIT_NS,
        CPU_IRQ_NS,
        CPU_SOFTIRQ_NS,
        CPU_STEAL_NS,
        CPU_GUEST_NS,
        CPU_GUEST_NICE_NS
    };
    private static final Attributes[] MODE_ONLY = new Attributes[MODES.length];

    static {
        for (int m = 0; m < MODES.length; m++) {
            MODE_ONLY[m] = Attributes.of(Keys.CPU_MODE, MODES[m]);
        }
    }

    private GuestCpuMapping() {}

    static void map(VmRecord r, NamedFields f, VmPoints p) {
        if (!r.isPresent(RecordFlags.PRESENT_GUEST_CPU)) {
            return;
        }
        // Modes beyond what the guest kernel printed are 0 because they were never read.
        int columns = (int) Math.min(r.getUnsignedInt(CPU_COLUMNS), MODES.length);
        int cpus = perCpuCount(r, f);
        if (cpus > 0) {
            for (int i = 0; i < cpus; i++) {
                long number = r.getUnsignedInt(f.cpuNumber, i);
                for (int m = 0; m < columns; m++) {
                    Attributes a =
                            Attributes.of(Keys.CPU_MODE, MODES[m], Keys.CPU_LOGICAL_NUMBER, number);
                    p.addSeconds(metricOf(m), a, r.getLong(f.cpuModeNs[m], i));
                }
            }
        } else {
            for (int m = 0; m < columns; m++) {
                p.addSeconds(metricOf(m), MODE_ONLY[m], r.getLong(TOTAL_NS[m]));
            }
        }
        p.addLong(
                OtlpMetric.SYSTEM_CPU_LOGICAL_COUNT,
                Attributes.empty(),
                r.getUnsignedInt(CPU_ONLINE));
        p.addLong(
                OtlpMetric.SYSTEM_PROCESS_COUNT,
                Attributes.of(Keys.PROCESS_STATE, "running"),
                r.getUnsignedInt(PROCS_RUNNING));
        p.addLong(
                OtlpMetric.SYSTEM_PROCESS_COUNT,
                Attributes.of(Keys.PROCESS_STATE, "blocked"),
                r.getUnsignedInt(PROCS_BLOCKED));
        p.addLong(OtlpMetric.SYSTEM_PROCESS_CREATED, Attributes.empty(), r.getLong(CPU_FORKS));
        p.addLong(OtlpMetric.GUEST_CONTEXT_SWITCHES, Attributes.empty(), r.getLong(CPU_CTXT));
    }

    /**
     * How many per-CPU entries to report, or 0 to report the aggregate instead: when the registry
     * has no per-CPU fields (ABI 1.2), when the guest sent none, or when some were left out (the
     * per-CPU series would then not add up to the guest's total).
     */
    private static int perCpuCount(VmRecord r, NamedFields f) {
        if (!f.hasPerCpu() || r.getUnsignedInt(f.cpusOmitted) != 0) {
            return 0;
        }
        return (int) Math.min(r.getUnsignedInt(f.cpusCount), f.cpuNumber.count());
    }

    private static OtlpMetric metricOf(int mode) {
        return mode < FIRST_GUEST_MODE
                ? OtlpMetric.SYSTEM_CPU_TIME
                : OtlpMetric.GUEST_CPU_GUEST_TIME;
    }
}
