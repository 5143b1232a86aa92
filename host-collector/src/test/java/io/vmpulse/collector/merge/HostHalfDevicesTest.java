package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import org.junit.jupiter.api.Test;

class HostHalfDevicesTest {

    private static HostReading blockAndNet() {
        HostReading r = new HostReading();
        r.diskReadBytes = r.diskWriteBytes = r.diskReadOps = r.diskWriteOps = 0;
        r.netRxBytes = r.netTxBytes = r.netRxPackets = r.netTxPackets = 0;
        r.markPresent(Source.BLOCK);
        r.markPresent(Source.NET);
        return r;
    }

    @Test
    void drives_and_interfaces_are_copied_entry_by_entry_with_absent_values_as_zero() {
        HostReading r = blockAndNet();
        r.addDisk("rootfs", 100, 200, 3, 4);
        r.addDisk("scratch", 5, 6, 7, 8);
        r.addNic("eth0", 10, 20, 30, 40, HostReading.ABSENT, HostReading.ABSENT, 1, 2);
        r.netRxErrors = r.netTxErrors = 1;
        VmRecord out = new VmRecord();
        HostHalf.copy(r, out);

        assertEquals(2, out.getUnsignedInt(DISK_COUNT));
        assertEquals("scratch", out.getString(DISK_NAME, 1));
        assertEquals(100, out.getLong(DISK_READ_BYTES_EACH, 0));
        assertEquals(200, out.getLong(DISK_WRITE_BYTES_EACH, 0));
        assertEquals(7, out.getLong(DISK_READ_OPS_EACH, 1));
        assertEquals(8, out.getLong(DISK_WRITE_OPS_EACH, 1));
        assertEquals(1, out.getUnsignedInt(NIC_COUNT));
        assertEquals("eth0", out.getString(NIC_NAME, 0));
        assertEquals(10, out.getLong(NIC_RX_BYTES_EACH, 0));
        assertEquals(40, out.getLong(NIC_TX_PACKETS_EACH, 0));
        assertEquals(0, out.getLong(NIC_RX_DROPS_EACH, 0), "ABSENT is stored as 0");
        assertEquals(2, out.getLong(NIC_TX_ERRORS_EACH, 0));
        assertFalse(
                out.isPresent(RecordFlags.PRESENT_HOST_NET_DROPS),
                "no drops in the totals, none per interface");
        assertTrue(out.isPresent(RecordFlags.PRESENT_HOST_NET_ERRORS));
    }

    @Test
    void devices_beyond_the_record_are_counted_and_a_later_reading_with_fewer_clears_the_rest() {
        HostReading r = blockAndNet();
        for (int i = 0; i < MAX_DISKS + 3; i++) {
            r.addDisk("d" + i, i, i, i, i);
        }
        for (int i = 0; i < MAX_NICS + 1; i++) {
            r.addNic("n" + i, i, i, i, i, i, i, i, i);
        }
        VmRecord out = new VmRecord();
        HostHalf.copy(r, out);
        assertEquals(MAX_DISKS, out.getUnsignedInt(DISK_COUNT));
        assertEquals(3, out.getUnsignedInt(DISK_OMITTED));
        assertEquals("d" + (MAX_DISKS - 1), out.getString(DISK_NAME, MAX_DISKS - 1));
        assertEquals(MAX_NICS, out.getUnsignedInt(NIC_COUNT));
        assertEquals(1, out.getUnsignedInt(NIC_OMITTED));

        HostReading fewer = blockAndNet();
        fewer.addDisk("only", 1, 1, HostReading.ABSENT, HostReading.ABSENT);
        fewer.diskReadOps = fewer.diskWriteOps = HostReading.ABSENT;
        HostHalf.copy(fewer, out);
        assertEquals(1, out.getUnsignedInt(DISK_COUNT));
        assertEquals(0, out.getUnsignedInt(DISK_OMITTED));
        assertEquals(0, out.getLong(DISK_READ_OPS_EACH, 0), "a source without ops");
        assertFalse(out.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS));
        for (int i = 1; i < MAX_DISKS; i++) {
            assertEquals("", out.getString(DISK_NAME, i));
            assertEquals(0, out.getLong(DISK_READ_BYTES_EACH, i));
        }
        assertEquals(0, out.getUnsignedInt(NIC_COUNT));
        for (int i = 0; i < MAX_NICS; i++) {
            assertEquals("", out.getString(NIC_NAME, i));
            assertEquals(0, out.getLong(NIC_TX_ERRORS_EACH, i));
        }
    }

    @Test
    void a_failed_source_publishes_no_entries() {
        HostReading r = new HostReading();
        r.addDisk("rootfs", 1, 2, 3, 4);
        r.markFailed(Source.BLOCK, "gone");
        VmRecord out = new VmRecord();
        HostHalf.copy(r, out);
        assertEquals(0, out.getUnsignedInt(DISK_COUNT));
        assertEquals("", out.getString(DISK_NAME, 0));
        assertEquals(0, out.getLong(DISK_READ_BYTES_EACH, 0));
    }
}
