package io.vmpulse.collector.merge;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.Sample;

import org.junit.jupiter.api.Test;

class GuestHalfTest {

    private static Filesystem fs(String mount, long size, long free, long avail) {
        return Filesystem.newBuilder().setMountPoint(mount).setFsType("ext4").setSizeBytes(size)
                .setFreeBytes(free).setAvailableBytes(avail).setInodesTotal(1000).setInodesFree(600).build();
    }

    @Test
    void guest_fields_are_copied_with_presence_and_single_sample_percentages() {
        Sample in = Sample.newBuilder().setSeq(42).setWallTimeUnixNs(1_700_000_000_000_000_000L).setMonotonicNs(5_000)
                .setIntervalMs(1000)
                .setCpu(Cpu.newBuilder().setTotal(CpuTimes.newBuilder().setUserNs(10).setStealNs(3).setGuestNiceNs(1))
                        .setOnlineCpus(4).setColumns(10).setContextSwitches(777).setForks(55).setProcsRunning(2)
                        .setProcsBlocked(1).setBootTimeUnixS(1_699_999_000L))
                .setMemory(Memory.newBuilder().setTotalBytes(1000).setAvailableBytes(250).setAvailableDerived(true).setHugepageSizeBytes(2 << 20))
                .addFilesystems(fs("/", 1000, 400, 300))
                .addFilesystems(Filesystem.newBuilder().setMountPoint("/nfs").setError("statvfs timed out").setReadOnly(true))
                .build();
        VmRecord u = new VmRecord();
        GuestHalf.copy(in, "0f3e-boot", u);

        assertEquals(42, u.getLong(GUEST_SEQ));
        assertEquals("0f3e-boot", u.getString(BOOT_ID));
        assertEquals(10, u.getLong(CPU_USER_NS));
        assertEquals(3, u.getLong(CPU_STEAL_NS));
        assertEquals(1, u.getLong(CPU_GUEST_NICE_NS));
        assertEquals(4, u.getUnsignedInt(CPU_ONLINE));
        assertEquals(777, u.getLong(CPU_CTXT));
        assertEquals(1_699_999_000L, u.getLong(BOOT_TIME_UNIX_S));
        assertEquals(1, u.getUnsignedInt(MEM_AVAILABLE_DERIVED));
        assertEquals(75.0, u.getDouble(MEM_USED_PCT), 1e-9);
        assertEquals(2, u.getUnsignedInt(FS_COUNT));
        // df: used = 1000 - 400 = 600, Use% = 600 / (600 + 300) = 66.67
        assertEquals(600.0 / 900.0 * 100, u.getDouble(FS_USED_PCT, 0), 1e-9);
        assertEquals(RecordFlags.FS_ERROR | RecordFlags.FS_READ_ONLY, u.getUnsignedInt(FS_FLAGS, 1));
        assertEquals(0.0, u.getDouble(FS_USED_PCT, 1), "an unreadable filesystem is not reported as empty or full");
        assertEquals(u.getDouble(FS_USED_PCT, 0), u.getDouble(FS_USED_MAX_PCT));
        assertTrue(u.isPresent(RecordFlags.PRESENT_GUEST_CPU | RecordFlags.PRESENT_GUEST_MEMORY | RecordFlags.PRESENT_GUEST_FS));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_VCPU));
    }

    @Test
    void filesystems_beyond_the_slot_are_counted_and_leftovers_of_a_previous_sample_are_cleared() {
        Sample.Builder many = Sample.newBuilder();
        for (int i = 0; i < MAX_FILESYSTEMS + 2; i++) {
            many.addFilesystems(fs("/m" + i + "/" + "x".repeat(80), 100, 50, 50));
        }
        VmRecord u = new VmRecord();
        GuestHalf.copy(many.build(), "b", u);
        assertEquals(MAX_FILESYSTEMS, u.getUnsignedInt(FS_COUNT));
        assertEquals(2, u.getUnsignedInt(FS_OMITTED));
        assertEquals(FS_MOUNT_POINT_BYTES - 1, u.getString(FS_MOUNT_POINT, 0).length(), "mount point cut to its field");

        GuestHalf.copy(Sample.newBuilder().addFilesystems(fs("/", 10, 5, 5)).build(), "b", u);
        assertEquals(1, u.getUnsignedInt(FS_COUNT));
        assertEquals(0, u.getUnsignedInt(FS_OMITTED));
        assertEquals("", u.getString(FS_MOUNT_POINT, 1));
        assertEquals(0, u.getLong(FS_SIZE_BYTES, 7));
        assertFalse(u.isPresent(RecordFlags.PRESENT_GUEST_CPU), "a sample without cpu clears the cpu presence bit");
    }
}
