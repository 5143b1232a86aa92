package io.vmpulse.collector.merge;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import org.junit.jupiter.api.Test;

class GuestHalfTest {

    private static Hello hello(String bootId) {
        return Hello.newBuilder()
                .setBootId(bootId)
                .setAgentVersion("1.3.0")
                .setKernelRelease("6.1.0-27-amd64")
                .setAgentInstance("i")
                .build();
    }

    private static CpuTimes times(long k) {
        return CpuTimes.newBuilder()
                .setUserNs(k + 1)
                .setNiceNs(k + 2)
                .setSystemNs(k + 3)
                .setIdleNs(k + 4)
                .setIowaitNs(k + 5)
                .setIrqNs(k + 6)
                .setSoftirqNs(k + 7)
                .setStealNs(k + 8)
                .setGuestNs(k + 9)
                .setGuestNiceNs(k + 10)
                .build();
    }

    private static Sample cpus(int... numbers) {
        Cpu.Builder cpu = Cpu.newBuilder().setTotal(times(0)).setOnlineCpus(numbers.length);
        for (int n : numbers) {
            cpu.addPerCpu(PerCpu.newBuilder().setCpu(n).setTimes(times(1000L * n)));
        }
        return Sample.newBuilder().setSeq(1).setCpu(cpu).build();
    }

    @Test
    void per_cpu_times_are_copied_with_their_cpu_number_in_the_guests_order() {
        VmRecord u = new VmRecord();
        GuestHalf.copy(cpus(0, 1, 3), hello("b"), u); // cpu2 offline: no line
        assertEquals(3, u.getUnsignedInt(CPU_COUNT));
        assertEquals(0, u.getUnsignedInt(CPU_OMITTED));
        RecordField[] modes = {
            CPU_USER_NS_EACH,
            CPU_NICE_NS_EACH,
            CPU_SYSTEM_NS_EACH,
            CPU_IDLE_NS_EACH,
            CPU_IOWAIT_NS_EACH,
            CPU_IRQ_NS_EACH,
            CPU_SOFTIRQ_NS_EACH,
            CPU_STEAL_NS_EACH,
            CPU_GUEST_NS_EACH,
            CPU_GUEST_NICE_NS_EACH
        };
        int[] numbers = {0, 1, 3};
        for (int i = 0; i < numbers.length; i++) {
            assertEquals(numbers[i], u.getUnsignedInt(CPU_NUMBER, i));
            for (int m = 0; m < modes.length; m++) {
                assertEquals(
                        1000L * numbers[i] + m + 1,
                        u.getLong(modes[m], i),
                        modes[m].name() + "[" + i + "]");
            }
        }
        assertEquals(0, u.getLong(CPU_USER_NS_EACH, 3), "no fourth entry");
    }

    @Test
    void cpus_beyond_the_slot_are_counted_and_entries_of_a_bigger_previous_sample_are_cleared() {
        int[] many = new int[MAX_GUEST_CPUS + 5];
        for (int i = 0; i < many.length; i++) {
            many[i] = i;
        }
        VmRecord u = new VmRecord();
        GuestHalf.copy(cpus(many), hello("b"), u);
        assertEquals(MAX_GUEST_CPUS, u.getUnsignedInt(CPU_COUNT));
        assertEquals(5, u.getUnsignedInt(CPU_OMITTED));
        assertEquals(MAX_GUEST_CPUS - 1, u.getUnsignedInt(CPU_NUMBER, MAX_GUEST_CPUS - 1));
        assertEquals(
                1000L * (MAX_GUEST_CPUS - 1) + 8, u.getLong(CPU_STEAL_NS_EACH, MAX_GUEST_CPUS - 1));

        GuestHalf.copy(cpus(4, 5), hello("b"), u);
        assertEquals(2, u.getUnsignedInt(CPU_COUNT));
        assertEquals(0, u.getUnsignedInt(CPU_OMITTED));
        assertEquals(5, u.getUnsignedInt(CPU_NUMBER, 1));
        for (int i = 2; i < MAX_GUEST_CPUS; i++) {
            assertEquals(0, u.getUnsignedInt(CPU_NUMBER, i), "stale number " + i);
            assertEquals(0, u.getLong(CPU_IDLE_NS_EACH, i), "stale idle " + i);
            assertEquals(0, u.getLong(CPU_GUEST_NICE_NS_EACH, i), "stale guest_nice " + i);
        }
    }

    @Test
    void fs_device_is_the_mount_source_at_the_same_index_and_is_cleared_with_its_filesystem() {
        VmRecord u = new VmRecord();
        GuestHalf.copy(
                Sample.newBuilder()
                        .addFilesystems(fs("/", 10, 5, 5).toBuilder().setDevice("/dev/vda"))
                        .addFilesystems(fs("/data", 10, 5, 5).toBuilder().setDevice("/dev/vdb1"))
                        .build(),
                hello("b"),
                u);
        assertEquals("/dev/vda", u.getString(FS_DEVICE, 0));
        assertEquals("/dev/vdb1", u.getString(FS_DEVICE, 1));
        assertEquals("/data", u.getString(FS_MOUNT_POINT, 1));

        GuestHalf.copy(
                Sample.newBuilder()
                        .addFilesystems(fs("/", 10, 5, 5).toBuilder().setDevice("/dev/vdc"))
                        .build(),
                hello("b"),
                u);
        assertEquals("/dev/vdc", u.getString(FS_DEVICE, 0));
        assertEquals(
                "",
                u.getString(FS_DEVICE, 1),
                "the second filesystem is gone, and so is its device");
    }

    @Test
    void agent_version_and_kernel_release_come_from_the_hello_of_the_stream() {
        VmRecord u = new VmRecord();
        GuestHalf.copy(cpus(0), hello("b"), u);
        assertEquals("1.3.0", u.getString(AGENT_VERSION));
        assertEquals("6.1.0-27-amd64", u.getString(KERNEL_RELEASE));
        assertEquals("b", u.getString(BOOT_ID));
    }

    @Test
    void hostile_guest_text_is_stored_printable_bounded_and_with_quotes_and_backslashes_kept() {
        String newline = "6.1\nvmpulse_vm_up 1";
        String ansi = "\u001b[2J\u001b[31mred\u0007";
        String quotes = "say \"hi\" \\ back\\slash";
        String c1 = "a\u0085\u007f\u0000e"; // C1 NEL, DEL, NUL
        String loneSurrogate = "x\ud800y\udc00z";
        String longValue = "é".repeat(300); // 600 UTF-8 bytes, over every text field
        VmRecord u = new VmRecord();
        Hello h =
                Hello.newBuilder()
                        .setBootId(loneSurrogate)
                        .setAgentVersion(quotes)
                        .setKernelRelease(newline)
                        .setAgentInstance("i")
                        .build();
        GuestHalf.copy(
                Sample.newBuilder()
                        .addFilesystems(
                                Filesystem.newBuilder()
                                        .setMountPoint(ansi)
                                        .setFsType(c1)
                                        .setDevice(longValue))
                        .build(),
                h,
                u);

        assertEquals("6.1\ufffdvmpulse_vm_up 1", u.getString(KERNEL_RELEASE));
        assertEquals("\ufffd[2J\ufffd[31mred\ufffd", u.getString(FS_MOUNT_POINT, 0));
        assertEquals(
                quotes,
                u.getString(AGENT_VERSION),
                "quotes and backslashes are printable: kept as they are");
        assertEquals(
                "a\ufffd\ufffd",
                u.getString(FS_TYPE, 0),
                "C1 and DEL replaced; an embedded NUL ends the text, as VmRecord.putString documents");
        assertEquals("x\ufffdy\ufffdz", u.getString(BOOT_ID));
        assertEquals(
                "é".repeat((FS_DEVICE_BYTES - 1) / 2),
                u.getString(FS_DEVICE, 0),
                "cut at a character boundary to the field's size");
        for (RecordField f :
                new RecordField[] {
                    KERNEL_RELEASE, FS_MOUNT_POINT, FS_TYPE, FS_DEVICE, BOOT_ID, AGENT_VERSION
                }) {
            assertTrue(
                    u.getString(f, 0)
                            .codePoints()
                            .noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)),
                    f.name() + " holds a control character");
        }
    }

    @Test
    void invalid_utf8_from_a_guest_never_reaches_the_merge_because_the_parser_rejects_it() {
        byte[] valid =
                Hello.newBuilder()
                        .setKernelRelease("6.1")
                        .setAgentInstance("i")
                        .build()
                        .toByteArray();
        byte[] broken = valid.clone();
        int at = indexOf(broken, "6.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        broken[at] = (byte) 0xC3; // a lead byte followed by '.', not a continuation byte
        broken[at + 2] = (byte) 0xFF; // never valid in UTF-8
        assertThrows(InvalidProtocolBufferException.class, () -> Hello.parseFrom(broken));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static Filesystem fs(String mount, long size, long free, long avail) {
        return Filesystem.newBuilder()
                .setMountPoint(mount)
                .setFsType("ext4")
                .setSizeBytes(size)
                .setFreeBytes(free)
                .setAvailableBytes(avail)
                .setInodesTotal(1000)
                .setInodesFree(600)
                .build();
    }

    @Test
    void guest_fields_are_copied_with_presence_and_single_sample_percentages() {
        Sample in =
                Sample.newBuilder()
                        .setSeq(42)
                        .setWallTimeUnixNs(1_700_000_000_000_000_000L)
                        .setMonotonicNs(5_000)
                        .setIntervalMs(1000)
                        .setCpu(
                                Cpu.newBuilder()
                                        .setTotal(
                                                CpuTimes.newBuilder()
                                                        .setUserNs(10)
                                                        .setStealNs(3)
                                                        .setGuestNiceNs(1))
                                        .setOnlineCpus(4)
                                        .setColumns(10)
                                        .setContextSwitches(777)
                                        .setForks(55)
                                        .setProcsRunning(2)
                                        .setProcsBlocked(1)
                                        .setBootTimeUnixS(1_699_999_000L))
                        .setMemory(
                                Memory.newBuilder()
                                        .setTotalBytes(1000)
                                        .setAvailableBytes(250)
                                        .setAvailableDerived(true)
                                        .setHugepageSizeBytes(2 << 20))
                        .addFilesystems(fs("/", 1000, 400, 300))
                        .addFilesystems(
                                Filesystem.newBuilder()
                                        .setMountPoint("/nfs")
                                        .setError("statvfs timed out")
                                        .setReadOnly(true))
                        .build();
        VmRecord u = new VmRecord();
        GuestHalf.copy(in, hello("0f3e-boot"), u);

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
        assertEquals(
                RecordFlags.FS_ERROR | RecordFlags.FS_READ_ONLY, u.getUnsignedInt(FS_FLAGS, 1));
        assertEquals(
                0.0,
                u.getDouble(FS_USED_PCT, 1),
                "an unreadable filesystem is not reported as empty or full");
        assertEquals(u.getDouble(FS_USED_PCT, 0), u.getDouble(FS_USED_MAX_PCT));
        assertTrue(
                u.isPresent(
                        RecordFlags.PRESENT_GUEST_CPU
                                | RecordFlags.PRESENT_GUEST_MEMORY
                                | RecordFlags.PRESENT_GUEST_FS));
        assertFalse(u.isPresent(RecordFlags.PRESENT_HOST_VCPU));
    }

    @Test
    void filesystems_beyond_the_slot_are_counted_and_leftovers_of_a_previous_sample_are_cleared() {
        Sample.Builder many = Sample.newBuilder();
        for (int i = 0; i < MAX_FILESYSTEMS + 2; i++) {
            many.addFilesystems(fs("/m" + i + "/" + "x".repeat(80), 100, 50, 50));
        }
        VmRecord u = new VmRecord();
        GuestHalf.copy(many.build(), hello("b"), u);
        assertEquals(MAX_FILESYSTEMS, u.getUnsignedInt(FS_COUNT));
        assertEquals(2, u.getUnsignedInt(FS_OMITTED));
        assertEquals(
                FS_MOUNT_POINT_BYTES - 1,
                u.getString(FS_MOUNT_POINT, 0).length(),
                "mount point cut to its field");

        GuestHalf.copy(
                Sample.newBuilder().addFilesystems(fs("/", 10, 5, 5)).build(), hello("b"), u);
        assertEquals(1, u.getUnsignedInt(FS_COUNT));
        assertEquals(0, u.getUnsignedInt(FS_OMITTED));
        assertEquals("", u.getString(FS_MOUNT_POINT, 1));
        assertEquals(0, u.getLong(FS_SIZE_BYTES, 7));
        assertFalse(
                u.isPresent(RecordFlags.PRESENT_GUEST_CPU),
                "a sample without cpu clears the cpu presence bit");
    }
}
