package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * Guest CPU time by mode from the guest's {@code /proc/stat}, split as node_exporter splits it:
 * {@code guest} and {@code guest_nice} are already inside {@code user} and {@code nice}, so they
 * get a family of their own. Per CPU where the registry lists CPUs (ABI 1.3), otherwise the
 * aggregate line without a {@code cpu} label.
 */
final class GuestCpuMetrics implements VmMetricGroup {

    /** /proc/stat's column order: a mode exists when the guest kernel printed its column. */
    private static final String[] MODES = {
        "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
    };

    private static final int GUEST_COLUMN = 8;
    private static final int GUEST_NICE_COLUMN = 9;

    /** The {@code cpu} label of the usual CPU numbers, made once. */
    private static final String[] CPU_NAMES = new String[256];

    static {
        for (int i = 0; i < CPU_NAMES.length; i++) {
            CPU_NAMES[i] = Integer.toString(i);
        }
    }

    private final RecordField[] aggregate = new RecordField[10];
    private final RecordField columns;
    private final RecordField cpuOnline;
    private final RecordField cpusCount;
    private final RecordField cpusOmitted;
    private final RecordField cpuNumber;
    private final RecordField[] perCpu = new RecordField[10];

    GuestCpuMetrics(Scrape s) {
        for (int i = 0; i < MODES.length; i++) {
            aggregate[i] = s.field("cpu_" + MODES[i] + "_ns");
            perCpu[i] = s.field("cpu." + MODES[i] + "_ns");
        }
        aggregate[GUEST_COLUMN] = s.field("cpu_guest_ns");
        aggregate[GUEST_NICE_COLUMN] = s.field("cpu_guest_nice_ns");
        perCpu[GUEST_COLUMN] = s.field("cpu.guest_ns");
        perCpu[GUEST_NICE_COLUMN] = s.field("cpu.guest_nice_ns");
        columns = s.field("cpu_columns");
        cpuOnline = s.field("cpu_online");
        cpusCount = s.field("cpu_count");
        cpusOmitted = s.field("cpu_omitted");
        cpuNumber = s.field("cpu.number");
    }

    @Override
    public List<Family> families() {
        return List.of(
                Family.counter(
                        "vmpulse_guest_cpu_seconds",
                        "Seconds the guest's CPUs spent in each mode (guest /proc/stat; guest time is included in user and nice).",
                        Unit.SECONDS,
                        (vm, out) -> perCpu(vm, out, false)),
                Family.counter(
                        "vmpulse_guest_cpu_guest_seconds",
                        "Seconds the guest's CPUs spent running nested guests, by mode user or nice (guest /proc/stat).",
                        Unit.SECONDS,
                        (vm, out) -> perCpu(vm, out, true)),
                Family.gauge(
                        "vmpulse_guest_cpus_online",
                        "CPUs online in the guest.",
                        (vm, out) -> {
                            if (vm.present(RecordFlags.PRESENT_GUEST_CPU) && cpuOnline != null) {
                                out.add(vm.u32(cpuOnline));
                            }
                        }),
                Family.gauge(
                        "vmpulse_guest_cpus_omitted",
                        "Guest CPUs beyond the registry's per-CPU list; the aggregate covers them, the per-CPU series do not.",
                        (vm, out) -> {
                            if (vm.present(RecordFlags.PRESENT_GUEST_CPU)
                                    && listed(vm) > 0
                                    && cpusOmitted != null) {
                                out.add(vm.u32(cpusOmitted));
                            }
                        }));
    }

    private int listed(ScrapedVm vm) {
        return cpusCount == null || cpuNumber == null
                ? 0
                : (int) Math.min(vm.u32(cpusCount), cpuNumber.count());
    }

    /** The modes of every listed CPU, or of the aggregate line when none is listed. */
    private void perCpu(ScrapedVm vm, Points out, boolean nested) {
        if (!vm.present(RecordFlags.PRESENT_GUEST_CPU)) {
            return;
        }
        int cols =
                columns == null
                        ? GUEST_NICE_COLUMN + 1
                        : (int) Math.min(vm.u32(columns), GUEST_NICE_COLUMN + 1);
        int listed = listed(vm);
        if (listed == 0) {
            modes(vm, out, aggregate, 0, cols, null, nested);
            return;
        }
        for (int i = 0; i < listed; i++) {
            long n = vm.u32(cpuNumber, i);
            if (!firstOf(vm, n, i)) {
                continue; // guest-reported: a repeated number would make one label set twice
            }
            String cpu = n < CPU_NAMES.length ? CPU_NAMES[(int) n] : Long.toString(n);
            modes(vm, out, perCpu, i, cols, cpu, nested);
        }
    }

    private boolean firstOf(ScrapedVm vm, long n, int i) {
        for (int j = 0; j < i; j++) {
            if (vm.u32(cpuNumber, j) == n) {
                return false;
            }
        }
        return true;
    }

    private static void modes(
            ScrapedVm vm,
            Points out,
            RecordField[] fields,
            int index,
            int cols,
            String cpu,
            boolean nested) {
        if (!nested) {
            for (int m = 0; m < MODES.length && m < cols; m++) {
                if (fields[m] != null) {
                    point(out, cpu, MODES[m], Values.seconds(vm.u64(fields[m], index)));
                }
            }
            return;
        }
        if (cols > GUEST_COLUMN && fields[GUEST_COLUMN] != null) {
            point(out, cpu, "user", Values.seconds(vm.u64(fields[GUEST_COLUMN], index)));
        }
        if (cols > GUEST_NICE_COLUMN && fields[GUEST_NICE_COLUMN] != null) {
            point(out, cpu, "nice", Values.seconds(vm.u64(fields[GUEST_NICE_COLUMN], index)));
        }
    }

    private static void point(Points out, String cpu, String mode, double v) {
        if (cpu == null) {
            out.add("mode", mode, v);
        } else {
            out.add("cpu", cpu, "mode", mode, v);
        }
    }
}
