package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * The guest's filesystems (statfs). States add up to the size, as the conventions ask: {@code used}
 * = size - free, {@code free} = available to users, {@code reserved} = free - available (kept for
 * root). An entry the guest could not read this time ({@code FS_ERROR}) has zeros that mean
 * "unknown" and yields no point; so do numbers that do not add up (a guest may lie). A filesystem
 * with no inode count (f_files 0: some filesystems have none) yields no inode points.
 */
final class GuestFilesystemMapping {

    private GuestFilesystemMapping() {}

    static void map(VmRecord r, NamedFields f, VmPoints p) {
        if (!r.isPresent(RecordFlags.PRESENT_GUEST_FS)) {
            return;
        }
        int n = (int) Math.min(r.getUnsignedInt(FS_COUNT), FS_MOUNT_POINT.count());
        for (int i = 0; i < n; i++) {
            if ((r.getUnsignedInt(FS_FLAGS, i) & RecordFlags.FS_ERROR) != 0) {
                continue;
            }
            Attributes id = identity(r, f, i);
            long size = r.getLong(FS_SIZE_BYTES, i);
            long free = r.getLong(FS_FREE_BYTES, i);
            long available = r.getLong(FS_AVAILABLE_BYTES, i);
            if (size >= 0 && free >= 0 && available >= 0 && available <= free && free <= size) {
                p.addLong(
                        OtlpMetric.SYSTEM_FILESYSTEM_USAGE,
                        with(id, Keys.FS_STATE, "used"),
                        size - free);
                p.addLong(
                        OtlpMetric.SYSTEM_FILESYSTEM_USAGE,
                        with(id, Keys.FS_STATE, "free"),
                        available);
                p.addLong(
                        OtlpMetric.SYSTEM_FILESYSTEM_USAGE,
                        with(id, Keys.FS_STATE, "reserved"),
                        free - available);
                p.addLong(OtlpMetric.SYSTEM_FILESYSTEM_LIMIT, id, size);
            }
            long inodes = r.getLong(FS_INODES_TOTAL, i);
            long inodesFree = r.getLong(FS_INODES_FREE, i);
            if (inodes > 0 && inodesFree >= 0 && inodesFree <= inodes) {
                p.addLong(
                        OtlpMetric.SYSTEM_FILESYSTEM_INODES_USAGE,
                        with(id, Keys.FS_STATE, "used"),
                        inodes - inodesFree);
                p.addLong(
                        OtlpMetric.SYSTEM_FILESYSTEM_INODES_USAGE,
                        with(id, Keys.FS_STATE, "free"),
                        inodesFree);
            }
        }
    }

    /** Mount point, type, mode and (ABI 1.3) device: what tells one filesystem from another. */
    private static Attributes identity(VmRecord r, NamedFields f, int i) {
        AttributesBuilder b =
                Attributes.builder()
                        .put(Keys.FS_MOUNTPOINT, AttributeText.cap(r.getString(FS_MOUNT_POINT, i)))
                        .put(Keys.FS_TYPE, AttributeText.cap(r.getString(FS_TYPE, i)))
                        .put(
                                Keys.FS_MODE,
                                (r.getUnsignedInt(FS_FLAGS, i) & RecordFlags.FS_READ_ONLY) != 0
                                        ? "ro"
                                        : "rw");
        if (f.fsDevice != null && i < f.fsDevice.count()) {
            String device = r.getString(f.fsDevice, i);
            if (!device.isEmpty()) {
                b.put(Keys.DEVICE, AttributeText.cap(device));
            }
        }
        return b.build();
    }

    private static Attributes with(Attributes base, AttributeKey<String> key, String value) {
        return base.toBuilder().put(key, value).build();
    }
}
