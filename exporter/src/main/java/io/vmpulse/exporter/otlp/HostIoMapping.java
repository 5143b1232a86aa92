package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.opentelemetry.api.common.Attributes;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * Block and network counters the host keeps for the VM, per device when the registry carries them
 * (ABI 1.3) and as the VM's sums otherwise. Direction is always the guest's: a disk {@code read} is
 * the guest reading, a network {@code receive} is what the guest received (the TAP's transmit
 * side). Operation counts, drops and errors have presence bits of their own: a source that does not
 * count them leaves zeros that mean "unknown", which yield no point.
 */
final class HostIoMapping {

    private HostIoMapping() {}

    static void map(VmRecord r, NamedFields f, VmPoints p) {
        if (r.isPresent(RecordFlags.PRESENT_HOST_BLOCK)) {
            mapBlock(r, f, p);
        }
        if (r.isPresent(RecordFlags.PRESENT_HOST_NET)) {
            mapNet(r, f, p);
        }
    }

    private static void mapBlock(VmRecord r, NamedFields f, VmPoints p) {
        boolean ops = r.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS);
        int disks =
                f.hasPerDisk() && r.getUnsignedInt(f.disksOmitted) == 0
                        ? (int) Math.min(r.getUnsignedInt(f.disksCount), f.diskName.count())
                        : 0;
        if (disks == 0) {
            p.addLong(OtlpMetric.DISK_IO, Keys.READ, r.getLong(DISK_READ_BYTES));
            p.addLong(OtlpMetric.DISK_IO, Keys.WRITE, r.getLong(DISK_WRITE_BYTES));
            if (ops) {
                p.addLong(OtlpMetric.DISK_OPERATIONS, Keys.READ, r.getLong(DISK_READ_OPS));
                p.addLong(OtlpMetric.DISK_OPERATIONS, Keys.WRITE, r.getLong(DISK_WRITE_OPS));
            }
            return;
        }
        for (int i = 0; i < disks; i++) {
            String device = AttributeText.cap(r.getString(f.diskName, i));
            Attributes read = Attributes.of(Keys.DISK_DIRECTION, "read", Keys.DEVICE, device);
            Attributes write = Attributes.of(Keys.DISK_DIRECTION, "write", Keys.DEVICE, device);
            p.addLong(OtlpMetric.DISK_IO, read, r.getLong(f.diskReadBytes, i));
            p.addLong(OtlpMetric.DISK_IO, write, r.getLong(f.diskWriteBytes, i));
            if (ops && f.diskReadOps != null && f.diskWriteOps != null) {
                p.addLong(OtlpMetric.DISK_OPERATIONS, read, r.getLong(f.diskReadOps, i));
                p.addLong(OtlpMetric.DISK_OPERATIONS, write, r.getLong(f.diskWriteOps, i));
            }
        }
    }

    private static void mapNet(VmRecord r, NamedFields f, VmPoints p) {
        boolean drops = r.isPresent(RecordFlags.PRESENT_HOST_NET_DROPS);
        boolean errors = r.isPresent(RecordFlags.PRESENT_HOST_NET_ERRORS);
        int nics =
                f.hasPerNic() && r.getUnsignedInt(f.nicsOmitted) == 0
                        ? (int) Math.min(r.getUnsignedInt(f.nicsCount), f.nicName.count())
                        : 0;
        if (nics == 0) {
            Attributes rx = Keys.RECEIVE;
            Attributes tx = Keys.TRANSMIT;
            p.addLong(OtlpMetric.NETWORK_IO, rx, r.getLong(NET_RX_BYTES));
            p.addLong(OtlpMetric.NETWORK_IO, tx, r.getLong(NET_TX_BYTES));
            p.addLong(OtlpMetric.NETWORK_PACKET_COUNT, rx, r.getLong(NET_RX_PACKETS));
            p.addLong(OtlpMetric.NETWORK_PACKET_COUNT, tx, r.getLong(NET_TX_PACKETS));
            if (drops) {
                p.addLong(OtlpMetric.NETWORK_PACKET_DROPPED, rx, r.getLong(NET_RX_DROPS));
                p.addLong(OtlpMetric.NETWORK_PACKET_DROPPED, tx, r.getLong(NET_TX_DROPS));
            }
            if (errors) {
                p.addLong(OtlpMetric.NETWORK_ERRORS, rx, r.getLong(NET_RX_ERRORS));
                p.addLong(OtlpMetric.NETWORK_ERRORS, tx, r.getLong(NET_TX_ERRORS));
            }
            return;
        }
        for (int i = 0; i < nics; i++) {
            String name = AttributeText.cap(r.getString(f.nicName, i));
            Attributes rx =
                    Attributes.of(Keys.NETWORK_DIRECTION, "receive", Keys.NETWORK_INTERFACE, name);
            Attributes tx =
                    Attributes.of(Keys.NETWORK_DIRECTION, "transmit", Keys.NETWORK_INTERFACE, name);
            p.addLong(OtlpMetric.NETWORK_IO, rx, r.getLong(f.nicRxBytes, i));
            p.addLong(OtlpMetric.NETWORK_IO, tx, r.getLong(f.nicTxBytes, i));
            if (f.nicRxPackets != null && f.nicTxPackets != null) {
                p.addLong(OtlpMetric.NETWORK_PACKET_COUNT, rx, r.getLong(f.nicRxPackets, i));
                p.addLong(OtlpMetric.NETWORK_PACKET_COUNT, tx, r.getLong(f.nicTxPackets, i));
            }
            if (drops && f.nicRxDrops != null && f.nicTxDrops != null) {
                p.addLong(OtlpMetric.NETWORK_PACKET_DROPPED, rx, r.getLong(f.nicRxDrops, i));
                p.addLong(OtlpMetric.NETWORK_PACKET_DROPPED, tx, r.getLong(f.nicTxDrops, i));
            }
            if (errors && f.nicRxErrors != null && f.nicTxErrors != null) {
                p.addLong(OtlpMetric.NETWORK_ERRORS, rx, r.getLong(f.nicRxErrors, i));
                p.addLong(OtlpMetric.NETWORK_ERRORS, tx, r.getLong(f.nicTxErrors, i));
            }
        }
    }
}
