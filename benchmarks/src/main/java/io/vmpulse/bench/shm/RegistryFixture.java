package io.vmpulse.bench.shm;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A registry in /dev/shm (where the collector puts it) whose slots all hold one record.
 *
 * <p>Shapes: {@code full} fills every element of every array (32 guest CPUs, 8 filesystems, 8
 * drives, 8 interfaces, 32 vCPUs), the worst case; {@code typical} is a 4-vCPU VM with 2
 * filesystems, 2 drives and 1 interface, whose elements past those counts are zero as the merge
 * step leaves them. Every other field is filled in both.
 */
final class RegistryFixture {

    final Path path = Path.of("/dev/shm/vmpulse-bench-" + ProcessHandle.current().pid());
    final RegistryWriter writer;
    final VmRecord sample = new VmRecord();

    RegistryFixture(int slots, int claimed, String shape) throws IOException {
        writer = RegistryWriter.create(new RegistryOptions(path, slots, null));
        for (int i = 0; i < claimed; i++) {
            writer.claim("bench-vm-" + i);
        }
        boolean full =
                switch (shape) {
                    case "full" -> true;
                    case "typical" -> false;
                    default -> throw new IllegalArgumentException("shape " + shape);
                };
        int k = 0;
        for (RecordField f : RecordFields.ALL) {
            int n = full ? f.count() : typicalElements(f);
            for (int i = 0; i < n; i++, k++) {
                switch (f.type()) {
                    case U64, I64 -> sample.putLong(f, i, 1_000_000L * k);
                    case U32 -> sample.putInt(f, i, k);
                    case F64 -> sample.putDouble(f, i, k / 3.0);
                    case UTF8 -> sample.putString(f, i, "/mnt/data-" + k);
                }
            }
        }
        sample.putInt(RecordFields.CPU_COUNT, full ? RecordFields.MAX_GUEST_CPUS : 4);
        sample.putInt(RecordFields.FS_COUNT, full ? RecordFields.MAX_FILESYSTEMS : 2);
        sample.putInt(RecordFields.DISK_COUNT, full ? RecordFields.MAX_DISKS : 2);
        sample.putInt(RecordFields.NIC_COUNT, full ? RecordFields.MAX_NICS : 1);
        sample.putInt(RecordFields.VCPU_COUNT, full ? RecordFields.MAX_VCPUS : 4);
        for (int i = 0; i < claimed; i++) {
            writer.publish(i, sample);
        }
    }

    /** Elements a 4-vCPU VM with 2 filesystems, 2 drives and 1 interface fills. */
    private static int typicalElements(RecordField f) {
        String n = f.name();
        if (f.count() == 1) {
            return 1;
        } else if (n.startsWith("cpu.") || n.startsWith("vcpu.")) {
            return 4;
        } else if (n.startsWith("fs.") || n.equals("fs_device") || n.startsWith("disk.")) {
            return 2;
        } else if (n.startsWith("nic.")) {
            return 1;
        }
        throw new IllegalStateException("no typical count for " + n);
    }

    void close() throws IOException {
        writer.close();
        Files.deleteIfExists(path);
    }
}
