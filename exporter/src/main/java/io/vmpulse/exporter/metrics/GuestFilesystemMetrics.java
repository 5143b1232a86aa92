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
 * The guest's filesystems from {@code statfs(2)}, named as node_exporter names them and labelled
 * {@code device} (ABI 1.3), {@code fstype} and {@code mountpoint}: all three guest-reported.
 */
final class GuestFilesystemMetrics implements VmMetricGroup {

    private final Family size =
            Family.gauge(
                    "vmpulse_guest_filesystem_size_bytes",
                    "Guest filesystem size in bytes (statfs f_blocks * f_frsize).",
                    Unit.BYTES);
    private final Family free =
            Family.gauge(
                    "vmpulse_guest_filesystem_free_bytes",
                    "Guest filesystem free space in bytes, reserved blocks included (f_bfree).",
                    Unit.BYTES);
    private final Family avail =
            Family.gauge(
                    "vmpulse_guest_filesystem_avail_bytes",
                    "Guest filesystem space available to unprivileged users in bytes (f_bavail).",
                    Unit.BYTES);
    private final Family files =
            Family.gauge("vmpulse_guest_filesystem_files", "Guest filesystem inodes (f_files).");
    private final Family filesFree =
            Family.gauge(
                    "vmpulse_guest_filesystem_files_free",
                    "Guest filesystem free inodes (f_ffree).");
    private final Family readonly =
            Family.gauge(
                    "vmpulse_guest_filesystem_readonly",
                    "1 when the guest filesystem is mounted read-only.");
    private final Family deviceError =
            Family.gauge(
                    "vmpulse_guest_filesystem_device_error",
                    "1 when the guest could not statfs the filesystem this time (its size series are then absent).");
    private final Family omitted =
            Family.gauge(
                    "vmpulse_guest_filesystems_omitted",
                    "Guest filesystems beyond the registry's list, not exported.");

    private final RecordField count;
    private final RecordField omittedCount;
    private final RecordField device;
    private final RecordField mountPoint;
    private final RecordField fsType;
    private final RecordField sizeBytes;
    private final RecordField freeBytes;
    private final RecordField availBytes;
    private final RecordField inodes;
    private final RecordField inodesFree;
    private final RecordField fsFlags;

    GuestFilesystemMetrics(Scrape s) {
        count = s.field("fs_count");
        omittedCount = s.field("fs_omitted");
        device = s.field("fs_device");
        mountPoint = s.field("fs.mount_point");
        fsType = s.field("fs.fs_type");
        sizeBytes = s.field("fs.size_bytes");
        freeBytes = s.field("fs.free_bytes");
        availBytes = s.field("fs.available_bytes");
        inodes = s.field("fs.inodes_total");
        inodesFree = s.field("fs.inodes_free");
        fsFlags = s.field("fs.flags");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_GUEST_FS)
                || count == null
                || mountPoint == null
                || fsType == null) {
            return;
        }
        if (omittedCount != null) {
            omitted.add(vmLabels, vm.u32(omittedCount));
        }
        int n = (int) Math.min(vm.u32(count), mountPoint.count());
        Set<Labels> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Labels l = labels(vm, vmLabels, i);
            if (!seen.add(l)) {
                continue; // the guest listed one mount twice: one series, the first entry's
            }
            long flags = fsFlags == null ? 0 : vm.u32(fsFlags, i);
            boolean error = (flags & RecordFlags.FS_ERROR) != 0;
            deviceError.add(l, error ? 1 : 0);
            readonly.add(l, (flags & RecordFlags.FS_READ_ONLY) != 0 ? 1 : 0);
            if (error) {
                continue; // its numbers are 0 for "unknown", not "empty"
            }
            add(size, l, vm, sizeBytes, i);
            add(free, l, vm, freeBytes, i);
            add(avail, l, vm, availBytes, i);
            add(files, l, vm, inodes, i);
            add(filesFree, l, vm, inodesFree, i);
        }
    }

    private Labels labels(ScrapedVm vm, Labels vmLabels, int i) {
        String mount = LabelValues.clean(vm.text(mountPoint, i));
        String type = LabelValues.clean(vm.text(fsType, i));
        if (device == null) {
            return vmLabels.merge(
                    new String[] {"fstype", "mountpoint"}, new String[] {type, mount});
        }
        String dev = LabelValues.clean(vm.text(device, i));
        return vmLabels.merge(
                new String[] {"device", "fstype", "mountpoint"}, new String[] {dev, type, mount});
    }

    private static void add(Family f, Labels l, ScrapedVm vm, RecordField field, int i) {
        if (field != null) {
            f.add(l, Values.unsigned(vm.u64(field, i)));
        }
    }

    @Override
    public List<Family> families() {
        return List.of(size, free, avail, files, filesFree, readonly, deviceError, omitted);
    }
}
