package io.vmpulse.exporter.otlp;

import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.read.FieldDirectory;
import java.util.Optional;
import java.util.function.Function;

/**
 * The fields ABI 1.3 added, found by name in the open registry's field directory. A field the
 * writer's version does not have is null here, so a 1.2 registry yields no point for it (its bytes
 * would read as zero, and a zero is not "absent").
 */
final class NamedFields {

    /** The ten per-CPU modes in /proc/stat order, as {@code cpu.<mode>_ns}. */
    static final String[] CPU_MODE_FIELDS = {
        "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"
    };

    final RecordField hypervisor;
    final RecordField agentVersion;
    final RecordField kernelRelease;
    final RecordField labels;
    final RecordField memCommitted;
    final RecordField fsDevice;

    final RecordField cpusCount;
    final RecordField cpusOmitted;
    final RecordField cpuNumber;
    final RecordField[] cpuModeNs = new RecordField[CPU_MODE_FIELDS.length];

    final RecordField disksCount;
    final RecordField disksOmitted;
    final RecordField diskName;
    final RecordField diskReadBytes;
    final RecordField diskWriteBytes;
    final RecordField diskReadOps;
    final RecordField diskWriteOps;

    final RecordField nicsCount;
    final RecordField nicsOmitted;
    final RecordField nicName;
    final RecordField nicRxBytes;
    final RecordField nicTxBytes;
    final RecordField nicRxPackets;
    final RecordField nicTxPackets;
    final RecordField nicRxDrops;
    final RecordField nicTxDrops;
    final RecordField nicRxErrors;
    final RecordField nicTxErrors;

    NamedFields(FieldDirectory dir) {
        this(dir::find);
    }

    /**
     * Fields as {@code lookup} finds them by name (a registry's directory, or a test's stand-in).
     */
    NamedFields(Function<String, Optional<RecordField>> lookup) {
        hypervisor = find(lookup, "hypervisor", FieldType.UTF8);
        agentVersion = find(lookup, "agent_version", FieldType.UTF8);
        kernelRelease = find(lookup, "kernel_release", FieldType.UTF8);
        labels = find(lookup, "labels", FieldType.UTF8);
        memCommitted = find(lookup, "mem_committed_as_bytes", FieldType.U64);
        fsDevice = find(lookup, "fs_device", FieldType.UTF8);

        cpusCount = find(lookup, "cpu_count", FieldType.U32);
        cpusOmitted = find(lookup, "cpu_omitted", FieldType.U32);
        cpuNumber = find(lookup, "cpu.number", FieldType.U32);
        for (int i = 0; i < CPU_MODE_FIELDS.length; i++) {
            cpuModeNs[i] = find(lookup, "cpu." + CPU_MODE_FIELDS[i] + "_ns", FieldType.U64);
        }

        disksCount = find(lookup, "disk_count", FieldType.U32);
        disksOmitted = find(lookup, "disk_omitted", FieldType.U32);
        diskName = find(lookup, "disk.name", FieldType.UTF8);
        diskReadBytes = find(lookup, "disk.read_bytes", FieldType.U64);
        diskWriteBytes = find(lookup, "disk.write_bytes", FieldType.U64);
        diskReadOps = find(lookup, "disk.read_ops", FieldType.U64);
        diskWriteOps = find(lookup, "disk.write_ops", FieldType.U64);

        nicsCount = find(lookup, "nic_count", FieldType.U32);
        nicsOmitted = find(lookup, "nic_omitted", FieldType.U32);
        nicName = find(lookup, "nic.name", FieldType.UTF8);
        nicRxBytes = find(lookup, "nic.rx_bytes", FieldType.U64);
        nicTxBytes = find(lookup, "nic.tx_bytes", FieldType.U64);
        nicRxPackets = find(lookup, "nic.rx_packets", FieldType.U64);
        nicTxPackets = find(lookup, "nic.tx_packets", FieldType.U64);
        nicRxDrops = find(lookup, "nic.rx_drops", FieldType.U64);
        nicTxDrops = find(lookup, "nic.tx_drops", FieldType.U64);
        nicRxErrors = find(lookup, "nic.rx_errors", FieldType.U64);
        nicTxErrors = find(lookup, "nic.tx_errors", FieldType.U64);
    }

    /** True when every per-CPU field is in this registry. */
    boolean hasPerCpu() {
        if (cpusCount == null || cpusOmitted == null || cpuNumber == null) {
            return false;
        }
        for (RecordField f : cpuModeNs) {
            if (f == null || f.count() != cpuNumber.count()) {
                return false;
            }
        }
        return true;
    }

    boolean hasPerDisk() {
        return disksCount != null
                && disksOmitted != null
                && diskName != null
                && diskReadBytes != null
                && diskWriteBytes != null;
    }

    boolean hasPerNic() {
        return nicsCount != null
                && nicsOmitted != null
                && nicName != null
                && nicRxBytes != null
                && nicTxBytes != null;
    }

    /** The field called {@code name} if the registry has it with the expected type, else null. */
    private static RecordField find(
            Function<String, Optional<RecordField>> lookup, String name, FieldType type) {
        return lookup.apply(name).filter(f -> f.type() == type).orElse(null);
    }
}
