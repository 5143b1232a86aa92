package io.vmpulse.exporter.otlp;

import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.read.FieldDirectory;

/**
 * The fields ABI 1.3 added, found by name in the open registry's field directory. A field the
 * writer's version does not have is null here, so a 1.2 registry yields no point for it (its
 * bytes would read as zero, and a zero is not "absent").
 */
final class NamedFields {

    /** The ten per-CPU modes in /proc/stat order, as {@code cpu.<mode>_ns}. */
    static final String[] CPU_MODE_FIELDS = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
            "guest", "guest_nice"};

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
        hypervisor = find(dir, "hypervisor", FieldType.UTF8);
        agentVersion = find(dir, "agent_version", FieldType.UTF8);
        kernelRelease = find(dir, "kernel_release", FieldType.UTF8);
        labels = find(dir, "labels", FieldType.UTF8);
        memCommitted = find(dir, "mem_committed_as_bytes", FieldType.U64);
        fsDevice = find(dir, "fs_device", FieldType.UTF8);

        cpusCount = find(dir, "cpu_count", FieldType.U32);
        cpusOmitted = find(dir, "cpu_omitted", FieldType.U32);
        cpuNumber = find(dir, "cpu.number", FieldType.U32);
        for (int i = 0; i < CPU_MODE_FIELDS.length; i++) {
            cpuModeNs[i] = find(dir, "cpu." + CPU_MODE_FIELDS[i] + "_ns", FieldType.U64);
        }

        disksCount = find(dir, "disk_count", FieldType.U32);
        disksOmitted = find(dir, "disk_omitted", FieldType.U32);
        diskName = find(dir, "disk.name", FieldType.UTF8);
        diskReadBytes = find(dir, "disk.read_bytes", FieldType.U64);
        diskWriteBytes = find(dir, "disk.write_bytes", FieldType.U64);
        diskReadOps = find(dir, "disk.read_ops", FieldType.U64);
        diskWriteOps = find(dir, "disk.write_ops", FieldType.U64);

        nicsCount = find(dir, "nic_count", FieldType.U32);
        nicsOmitted = find(dir, "nic_omitted", FieldType.U32);
        nicName = find(dir, "nic.name", FieldType.UTF8);
        nicRxBytes = find(dir, "nic.rx_bytes", FieldType.U64);
        nicTxBytes = find(dir, "nic.tx_bytes", FieldType.U64);
        nicRxPackets = find(dir, "nic.rx_packets", FieldType.U64);
        nicTxPackets = find(dir, "nic.tx_packets", FieldType.U64);
        nicRxDrops = find(dir, "nic.rx_drops", FieldType.U64);
        nicTxDrops = find(dir, "nic.tx_drops", FieldType.U64);
        nicRxErrors = find(dir, "nic.rx_errors", FieldType.U64);
        nicTxErrors = find(dir, "nic.tx_errors", FieldType.U64);
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
        return disksCount != null && disksOmitted != null && diskName != null && diskReadBytes != null && diskWriteBytes != null;
    }

    boolean hasPerNic() {
        return nicsCount != null && nicsOmitted != null && nicName != null && nicRxBytes != null && nicTxBytes != null;
    }

    /** The field called {@code name} if the registry has it with the expected type, else null. */
    private static RecordField find(FieldDirectory dir, String name, FieldType type) {
        return dir.find(name).filter(f -> f.type() == type).orElse(null);
    }
}
