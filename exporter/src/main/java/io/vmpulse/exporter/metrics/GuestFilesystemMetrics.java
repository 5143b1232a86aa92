package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.Arrays;
import java.util.List;

/**
 * The guest's filesystems from {@code statfs(2)}, named as node_exporter names them and labelled
 * {@code device} (ABI 1.3), {@code fstype} and {@code mountpoint}: all three guest-reported.
 */
final class GuestFilesystemMetrics implements VmMetricGroup {

    /** One filesystem's value, given the VM and its index in the registry's list. */
    @FunctionalInterface
    private interface Value {
        double of(ScrapedVm vm, int i);
    }

    private static final String[] NAMES_WITH_DEVICE = {"device", "fstype", "mountpoint"};
    private static final String[] NAMES = {"fstype", "mountpoint"};

    private final RecordField count;
    private final RecordField omittedCount;
    private final RecordField device;
    private final RecordField mountPoint;
    private final RecordField fsType;
    private final RecordField fsFlags;
    private final Scrape scrape;

    /** The label values of the VM being written, one row per listed filesystem; reused. */
    private String[][] rows = new String[0][];

    GuestFilesystemMetrics(Scrape s) {
        scrape = s;
        count = s.field("fs_count");
        omittedCount = s.field("fs_omitted");
        device = s.field("fs_device");
        mountPoint = s.field("fs.mount_point");
        fsType = s.field("fs.fs_type");
        fsFlags = s.field("fs.flags");
    }

    @Override
    public List<Family> families() {
        return List.of(
                sized(
                        "vmpulse_guest_filesystem_size_bytes",
                        "Guest filesystem size in bytes (statfs f_blocks * f_frsize).",
                        Unit.BYTES,
                        "fs.size_bytes"),
                sized(
                        "vmpulse_guest_filesystem_free_bytes",
                        "Guest filesystem free space in bytes, reserved blocks included (f_bfree).",
                        Unit.BYTES,
                        "fs.free_bytes"),
                sized(
                        "vmpulse_guest_filesystem_avail_bytes",
                        "Guest filesystem space available to unprivileged users in bytes (f_bavail).",
                        Unit.BYTES,
                        "fs.available_bytes"),
                sized(
                        "vmpulse_guest_filesystem_files",
                        "Guest filesystem inodes (f_files).",
                        null,
                        "fs.inodes_total"),
                sized(
                        "vmpulse_guest_filesystem_files_free",
                        "Guest filesystem free inodes (f_ffree).",
                        null,
                        "fs.inodes_free"),
                Family.gauge(
                        "vmpulse_guest_filesystem_readonly",
                        "1 when the guest filesystem is mounted read-only.",
                        (vm, out) ->
                                each(
                                        vm,
                                        out,
                                        false,
                                        (v, i) -> flag(v, i, RecordFlags.FS_READ_ONLY))),
                Family.gauge(
                        "vmpulse_guest_filesystem_device_error",
                        "1 when the guest could not statfs the filesystem this time (its size series are then absent).",
                        (vm, out) ->
                                each(vm, out, false, (v, i) -> flag(v, i, RecordFlags.FS_ERROR))),
                Family.gauge(
                        "vmpulse_guest_filesystems_omitted",
                        "Guest filesystems beyond the registry's list, not exported.",
                        (vm, out) -> {
                            if (listed(vm) && omittedCount != null) {
                                out.add(vm.u32(omittedCount));
                            }
                        }));
    }

    /** A family of statfs numbers: absent for a filesystem the guest could not statfs. */
    private Family sized(String name, String help, Unit unit, String fieldName) {
        RecordField field = scrape.field(fieldName);
        return Family.gauge(
                name,
                help,
                unit,
                (vm, out) -> {
                    if (field != null) {
                        each(vm, out, true, (v, i) -> Values.unsigned(v.u64(field, i)));
                    }
                });
    }

    private boolean listed(ScrapedVm vm) {
        return vm.present(RecordFlags.PRESENT_GUEST_FS)
                && count != null
                && mountPoint != null
                && fsType != null;
    }

    private int flag(ScrapedVm vm, int i, long bit) {
        return (flags(vm, i) & bit) != 0 ? 1 : 0;
    }

    private long flags(ScrapedVm vm, int i) {
        return fsFlags == null ? 0 : vm.u32(fsFlags, i);
    }

    /**
     * One point per listed filesystem, the first entry's where the guest listed one label set
     * twice; {@code statfsOnly}: none for a filesystem whose statfs failed (its numbers are 0 for
     * "unknown", not "empty").
     */
    private void each(ScrapedVm vm, Points out, boolean statfsOnly, Value value) {
        if (!listed(vm)) {
            return;
        }
        int n = (int) Math.min(vm.u32(count), mountPoint.count());
        String[] names = device == null ? NAMES : NAMES_WITH_DEVICE;
        if (rows.length < n) {
            rows = new String[n][];
        }
        for (int i = 0; i < n; i++) {
            String[] row = new String[names.length];
            int k = 0;
            if (device != null) {
                row[k++] = LabelValues.clean(vm.text(device, i));
            }
            row[k++] = LabelValues.clean(vm.text(fsType, i));
            row[k] = LabelValues.clean(vm.text(mountPoint, i));
            rows[i] = row;
            if (seenBefore(row, i) || statfsOnly && (flags(vm, i) & RecordFlags.FS_ERROR) != 0) {
                continue;
            }
            out.add(names, row, value.of(vm, i));
        }
    }

    private boolean seenBefore(String[] row, int i) {
        for (int j = 0; j < i; j++) {
            if (Arrays.equals(rows[j], row)) {
                return true;
            }
        }
        return false;
    }
}
