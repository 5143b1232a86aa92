package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

    private final Family seconds =
            Family.counter(
                    "vmpulse_guest_cpu_seconds",
                    "Seconds the guest's CPUs spent in each mode (guest /proc/stat; guest time is included in user and nice).",
                    Unit.SECONDS);
    private final Family guestSeconds =
            Family.counter(
                    "vmpulse_guest_cpu_guest_seconds",
                    "Seconds the guest's CPUs spent running nested guests, by mode user or nice (guest /proc/stat).",
                    Unit.SECONDS);
    private final Family online =
            Family.gauge("vmpulse_guest_cpus_online", "CPUs online in the guest.");
    private final Family omitted =
            Family.gauge(
                    "vmpulse_guest_cpus_omitted",
                    "Guest CPUs beyond the registry's per-CPU list; the aggregate covers them, the per-CPU series do not.");

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
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_GUEST_CPU)) {
            return;
        }
        int cols =
                columns == null
                        ? GUEST_NICE_COLUMN + 1
                        : (int) Math.min(vm.u32(columns), GUEST_NICE_COLUMN + 1);
        if (cpuOnline != null) {
            online.add(vmLabels, vm.u32(cpuOnline));
        }
        int listed =
                cpusCount == null || cpuNumber == null
                        ? 0
                        : (int) Math.min(vm.u32(cpusCount), cpuNumber.count());
        if (listed == 0) {
            modes(vm, vmLabels, aggregate, 0, cols, null);
            return;
        }
        if (cpusOmitted != null) {
            omitted.add(vmLabels, vm.u32(cpusOmitted));
        }
        // Guest-reported numbers: a repeated one would make two series with one label set.
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < listed; i++) {
            long n = vm.u32(cpuNumber, i);
            if (!seen.add(n)) {
                continue;
            }
            modes(vm, vmLabels, perCpu, i, cols, Long.toString(n));
        }
    }

    private void modes(
            ScrapedVm vm, Labels vmLabels, RecordField[] fields, int index, int cols, String cpu) {
        for (int m = 0; m < MODES.length && m < cols; m++) {
            if (fields[m] != null) {
                point(seconds, vmLabels, cpu, MODES[m], Values.seconds(vm.u64(fields[m], index)));
            }
        }
        if (cols > GUEST_COLUMN && fields[GUEST_COLUMN] != null) {
            point(
                    guestSeconds,
                    vmLabels,
                    cpu,
                    "user",
                    Values.seconds(vm.u64(fields[GUEST_COLUMN], index)));
        }
        if (cols > GUEST_NICE_COLUMN && fields[GUEST_NICE_COLUMN] != null) {
            point(
                    guestSeconds,
                    vmLabels,
                    cpu,
                    "nice",
                    Values.seconds(vm.u64(fields[GUEST_NICE_COLUMN], index)));
        }
    }

    private static void point(Family f, Labels vmLabels, String cpu, String mode, double v) {
        if (cpu == null) {
            f.add(vmLabels, "mode", mode, v);
        } else {
            f.add(vmLabels, "cpu", cpu, "mode", mode, v);
        }
    }

    @Override
    public List<Family> families() {
        return List.of(seconds, guestSeconds, online, omitted);
    }
}
