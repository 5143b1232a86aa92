package io.vmpulse.agent.wire;

import io.vmpulse.agent.sample.CpuSnapshot;
import io.vmpulse.agent.sample.GuestReading;
import io.vmpulse.agent.sample.MemSnapshot;
import io.vmpulse.agent.sample.Statvfs;

/**
 * Encodes one reading ({@link GuestReading}), straight from the sampler's structs, as a {@code
 * vmpulse.agent.v1.Sample} into a {@link SampleBuffer}, allocating nothing once its scratch arrays
 * have grown to the guest's CPU and filesystem counts.
 *
 * <pre>
 *   Sample  1 seq  2 wall_time_unix_ns  3 monotonic_ns
 *           4 cpu ──────── Cpu  1 total ─────── CpuTimes 1..10 (ns)
 *                              2 per_cpu × n ── PerCpu 1 cpu  2 times ── CpuTimes 1..10 (ns)
 *                              3 online_cpus .. 9 boot_time_unix_s
 *           5 memory ───── Memory 1..15
 *           6 filesystems × n ── Filesystem 1..10
 *           7 interval_ms                      (8 dropped_before: appended when sent, see AgentMessages)
 * </pre>
 *
 * Protobuf prefixes a nested message with its length, so encoding takes two passes. The sizing pass
 * computes every nested length ({@link ProtoWriter}'s sizes), keeping the repeated ones (and the
 * tick-to-ns conversions) in reused arrays; the writing pass then writes front to back.
 * Back-patching lengths into a reserved gap was the alternative; it needs a gap of the widest
 * varint (not what protobuf writes) or a shift of everything after it. Fields are written in
 * field-number order and proto3 defaults (0, false, "") are omitted, as protobuf-java does, so the
 * bytes equal {@code Sample.toByteArray()} of the same values. Message-typed fields are always
 * written, even when all their values are 0: they are always present in a reading.
 *
 * <p>The size is known and reserved before the first byte, so an oversized reading fails before
 * anything is written; then one reused {@link ProtoWriter} writes straight into the buffer's array.
 *
 * <p>Not thread-safe: the sampling thread encodes.
 */
public final class SampleEncoder {

    static final int SAMPLE_SEQ = 1;
    static final int SAMPLE_WALL_TIME_UNIX_NS = 2;
    static final int SAMPLE_MONOTONIC_NS = 3;
    static final int SAMPLE_CPU = 4;
    static final int SAMPLE_MEMORY = 5;
    static final int SAMPLE_FILESYSTEMS = 6;
    static final int SAMPLE_INTERVAL_MS = 7;

    /**
     * CpuTimes field of mode m (CpuSnapshot.USER ..) is m + 1: the proto lists them in /proc/stat
     * order.
     */
    static final int CPU_TIMES_FIRST_FIELD = 1;

    static final int PER_CPU_CPU = 1;
    static final int PER_CPU_TIMES = 2;

    static final int CPU_TOTAL = 1;
    static final int CPU_PER_CPU = 2;
    static final int CPU_ONLINE_CPUS = 3;
    static final int CPU_COLUMNS = 4;
    static final int CPU_CONTEXT_SWITCHES = 5;
    static final int CPU_FORKS = 6;
    static final int CPU_PROCS_RUNNING = 7;
    static final int CPU_PROCS_BLOCKED = 8;
    static final int CPU_BOOT_TIME_UNIX_S = 9;

    static final int MEMORY_TOTAL_BYTES = 1;
    static final int MEMORY_FREE_BYTES = 2;
    static final int MEMORY_AVAILABLE_BYTES = 3;
    static final int MEMORY_AVAILABLE_DERIVED = 4;
    static final int MEMORY_BUFFERS_BYTES = 5;

    /**
     * The uint64 Memory fields from buffers_bytes (5) on, in field order: element i is field 5 + i,
     * read from that meminfo line. A new meminfo field is a new .proto field at the end and one
     * more element here.
     */
    private static final MemSnapshot.Field[] MEMORY_FIELDS_FROM_BUFFERS = {
        MemSnapshot.Field.BUFFERS, MemSnapshot.Field.CACHED, MemSnapshot.Field.S_RECLAIMABLE,
        MemSnapshot.Field.SHMEM, MemSnapshot.Field.SWAP_TOTAL, MemSnapshot.Field.SWAP_FREE,
        MemSnapshot.Field.DIRTY, MemSnapshot.Field.WRITEBACK, MemSnapshot.Field.HUGE_PAGES_TOTAL,
        MemSnapshot.Field.HUGE_PAGES_FREE, MemSnapshot.Field.HUGE_PAGE_SIZE,
                MemSnapshot.Field.COMMITTED_AS,
    };

    static final int FS_MOUNT_POINT = 1;
    static final int FS_DEVICE = 2;
    static final int FS_FS_TYPE = 3;
    static final int FS_READ_ONLY = 4;
    static final int FS_SIZE_BYTES = 5;
    static final int FS_FREE_BYTES = 6;
    static final int FS_AVAILABLE_BYTES = 7;
    static final int FS_INODES_TOTAL = 8;
    static final int FS_INODES_FREE = 9;
    static final int FS_ERROR = 10;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private long userHz;
    private final ProtoWriter out = new ProtoWriter();
    private final long[] totalNanos = new long[CpuSnapshot.MODES];
    private int totalSize;

    /** Per-CPU ticks in ns, {@link CpuSnapshot#MODES} per CPU line, in line order. */
    private long[] cpuNanos = new long[0];

    /** Length of each per-CPU CpuTimes, then of each PerCpu, by CPU line. */
    private int[] timesSizes = new int[0];

    private int[] perCpuSizes = new int[0];
    private int[] filesystemSizes = new int[0];

    /**
     * Encodes {@code reading} as sample {@code seq} taken at {@code intervalMs} (a uint32) into
     * {@code into}, replacing what it held.
     *
     * @throws IllegalArgumentException when the sample would exceed {@link SampleBuffer#MAX_LENGTH}
     */
    public void encode(long seq, GuestReading reading, int intervalMs, SampleBuffer into) {
        userHz = reading.userHz();
        long wallTimeNanos = reading.wallTimeNanos();
        long monotonicNanos = reading.monotonicNanos();
        CpuSnapshot cpu = reading.cpu();
        MemSnapshot memory = reading.memory();
        int cpuSize = sizeCpu(cpu);
        int memorySize = sizeMemory(memory);
        int size =
                uint64Size(SAMPLE_SEQ, seq)
                        + int64Size(SAMPLE_WALL_TIME_UNIX_NS, wallTimeNanos)
                        + int64Size(SAMPLE_MONOTONIC_NS, monotonicNanos)
                        + messageSize(SAMPLE_CPU, cpuSize)
                        + messageSize(SAMPLE_MEMORY, memorySize)
                        + sizeFilesystems(reading)
                        + uint32Size(SAMPLE_INTERVAL_MS, intervalMs);
        into.clear(seq);
        into.ensureCapacity(size);
        out.reset(into.array(), 0);
        writeUInt64(SAMPLE_SEQ, seq);
        writeInt64(SAMPLE_WALL_TIME_UNIX_NS, wallTimeNanos);
        writeInt64(SAMPLE_MONOTONIC_NS, monotonicNanos);
        writeHeader(SAMPLE_CPU, cpuSize);
        writeCpu(cpu);
        writeHeader(SAMPLE_MEMORY, memorySize);
        writeMemory(memory);
        writeFilesystems(reading);
        writeUInt32(SAMPLE_INTERVAL_MS, intervalMs);
        if (out.position() != size) {
            throw new IllegalStateException(
                    "sized a sample at " + size + " bytes but wrote " + out.position());
        }
        into.setLength(size);
    }

    private int sizeCpu(CpuSnapshot cpu) {
        for (int mode = 0; mode < CpuSnapshot.MODES; mode++) {
            totalNanos[mode] = ticksToNanos(cpu.totalTicks(mode), userHz);
        }
        totalSize = sizeTimes(totalNanos, 0);
        int n = cpu.cpuCount();
        if (timesSizes.length < n) {
            cpuNanos = new long[n * CpuSnapshot.MODES];
            timesSizes = new int[n];
            perCpuSizes = new int[n];
        }
        for (int i = 0; i < n; i++) {
            for (int mode = 0; mode < CpuSnapshot.MODES; mode++) {
                cpuNanos[i * CpuSnapshot.MODES + mode] = ticksToNanos(cpu.ticks(i, mode), userHz);
            }
        }
        int size = messageSize(CPU_TOTAL, totalSize);
        for (int i = 0; i < n; i++) {
            timesSizes[i] = sizeTimes(cpuNanos, i * CpuSnapshot.MODES);
            perCpuSizes[i] =
                    uint32Size(PER_CPU_CPU, cpu.cpuId(i))
                            + messageSize(PER_CPU_TIMES, timesSizes[i]);
            size += messageSize(CPU_PER_CPU, perCpuSizes[i]);
        }
        return size
                + uint32Size(CPU_ONLINE_CPUS, cpu.cpuLines())
                + uint32Size(CPU_COLUMNS, cpu.columns())
                + uint64Size(CPU_CONTEXT_SWITCHES, cpu.contextSwitches())
                + uint64Size(CPU_FORKS, cpu.forks())
                + uint32Size(CPU_PROCS_RUNNING, (int) cpu.procsRunning())
                + uint32Size(CPU_PROCS_BLOCKED, (int) cpu.procsBlocked())
                + int64Size(CPU_BOOT_TIME_UNIX_S, cpu.bootTimeSeconds());
    }

    private void writeCpu(CpuSnapshot cpu) {
        writeHeader(CPU_TOTAL, totalSize);
        writeTimes(totalNanos, 0);
        for (int i = 0; i < cpu.cpuCount(); i++) {
            writeHeader(CPU_PER_CPU, perCpuSizes[i]);
            writeUInt32(PER_CPU_CPU, cpu.cpuId(i));
            writeHeader(PER_CPU_TIMES, timesSizes[i]);
            writeTimes(cpuNanos, i * CpuSnapshot.MODES);
        }
        writeUInt32(CPU_ONLINE_CPUS, cpu.cpuLines());
        writeUInt32(CPU_COLUMNS, cpu.columns());
        writeUInt64(CPU_CONTEXT_SWITCHES, cpu.contextSwitches());
        writeUInt64(CPU_FORKS, cpu.forks());
        writeUInt32(CPU_PROCS_RUNNING, (int) cpu.procsRunning());
        writeUInt32(CPU_PROCS_BLOCKED, (int) cpu.procsBlocked());
        writeInt64(CPU_BOOT_TIME_UNIX_S, cpu.bootTimeSeconds());
    }

    /** USER_HZ ticks (unsigned) to ns, exact for any USER_HZ and without overflow in between. */
    public static long ticksToNanos(long ticks, long userHz) {
        return Long.divideUnsigned(ticks, userHz) * NANOS_PER_SECOND
                + Long.remainderUnsigned(ticks, userHz) * NANOS_PER_SECOND / userHz;
    }

    private static int sizeTimes(long[] nanos, int offset) {
        int size = 0;
        for (int mode = 0; mode < CpuSnapshot.MODES; mode++) {
            size += uint64Size(CPU_TIMES_FIRST_FIELD + mode, nanos[offset + mode]);
        }
        return size;
    }

    private void writeTimes(long[] nanos, int offset) {
        for (int mode = 0; mode < CpuSnapshot.MODES; mode++) {
            writeUInt64(CPU_TIMES_FIRST_FIELD + mode, nanos[offset + mode]);
        }
    }

    private static int sizeMemory(MemSnapshot m) {
        int size =
                uint64Size(MEMORY_TOTAL_BYTES, m.get(MemSnapshot.Field.MEM_TOTAL))
                        + uint64Size(MEMORY_FREE_BYTES, m.get(MemSnapshot.Field.MEM_FREE))
                        + uint64Size(MEMORY_AVAILABLE_BYTES, m.availableBytes())
                        + boolSize(MEMORY_AVAILABLE_DERIVED, m.availableDerived());
        for (int i = 0; i < MEMORY_FIELDS_FROM_BUFFERS.length; i++) {
            size += uint64Size(MEMORY_BUFFERS_BYTES + i, m.get(MEMORY_FIELDS_FROM_BUFFERS[i]));
        }
        return size;
    }

    private void writeMemory(MemSnapshot m) {
        writeUInt64(MEMORY_TOTAL_BYTES, m.get(MemSnapshot.Field.MEM_TOTAL));
        writeUInt64(MEMORY_FREE_BYTES, m.get(MemSnapshot.Field.MEM_FREE));
        writeUInt64(MEMORY_AVAILABLE_BYTES, m.availableBytes());
        writeBool(MEMORY_AVAILABLE_DERIVED, m.availableDerived());
        for (int i = 0; i < MEMORY_FIELDS_FROM_BUFFERS.length; i++) {
            writeUInt64(MEMORY_BUFFERS_BYTES + i, m.get(MEMORY_FIELDS_FROM_BUFFERS[i]));
        }
    }

    private int sizeFilesystems(GuestReading filesystems) {
        int n = filesystems.filesystemCount();
        if (filesystemSizes.length < n) {
            filesystemSizes = new int[n];
        }
        int size = 0;
        for (int i = 0; i < n; i++) {
            Statvfs fs = filesystems.filesystem(i);
            filesystemSizes[i] =
                    bytesSize(FS_MOUNT_POINT, fs.mountPointUtf8())
                            + bytesSize(FS_DEVICE, fs.deviceUtf8())
                            + bytesSize(FS_FS_TYPE, fs.fsTypeUtf8())
                            + boolSize(FS_READ_ONLY, fs.readOnly())
                            + uint64Size(FS_SIZE_BYTES, fs.sizeBytes())
                            + uint64Size(FS_FREE_BYTES, fs.freeBytes())
                            + uint64Size(FS_AVAILABLE_BYTES, fs.availableBytes())
                            + uint64Size(FS_INODES_TOTAL, fs.inodesTotal())
                            + uint64Size(FS_INODES_FREE, fs.inodesFree())
                            + stringSize(FS_ERROR, fs.error());
            size += messageSize(SAMPLE_FILESYSTEMS, filesystemSizes[i]);
        }
        return size;
    }

    private void writeFilesystems(GuestReading filesystems) {
        for (int i = 0; i < filesystems.filesystemCount(); i++) {
            Statvfs fs = filesystems.filesystem(i);
            writeHeader(SAMPLE_FILESYSTEMS, filesystemSizes[i]);
            writeBytes(FS_MOUNT_POINT, fs.mountPointUtf8());
            writeBytes(FS_DEVICE, fs.deviceUtf8());
            writeBytes(FS_FS_TYPE, fs.fsTypeUtf8());
            writeBool(FS_READ_ONLY, fs.readOnly());
            writeUInt64(FS_SIZE_BYTES, fs.sizeBytes());
            writeUInt64(FS_FREE_BYTES, fs.freeBytes());
            writeUInt64(FS_AVAILABLE_BYTES, fs.availableBytes());
            writeUInt64(FS_INODES_TOTAL, fs.inodesTotal());
            writeUInt64(FS_INODES_FREE, fs.inodesFree());
            String error = fs.error();
            if (error != null && !error.isEmpty()) {
                out.writeString(FS_ERROR, error);
            }
        }
    }

    // Sizes and writes of single fields, omitting proto3 defaults as protobuf-java does.

    private static int messageSize(int field, int length) {
        return ProtoWriter.lengthDelimitedSize(field, length);
    }

    private static int uint64Size(int field, long value) {
        return value == 0 ? 0 : ProtoWriter.uint64Size(field, value);
    }

    private static int int64Size(int field, long value) {
        return value == 0 ? 0 : ProtoWriter.uint64Size(field, value);
    }

    private static int uint32Size(int field, int value) {
        return value == 0 ? 0 : ProtoWriter.uint32Size(field, value);
    }

    private static int boolSize(int field, boolean value) {
        return value ? ProtoWriter.boolSize(field) : 0;
    }

    private static int bytesSize(int field, byte[] utf8) {
        return utf8.length == 0 ? 0 : ProtoWriter.lengthDelimitedSize(field, utf8.length);
    }

    private static int stringSize(int field, String value) {
        return value == null || value.isEmpty() ? 0 : ProtoWriter.stringSize(field, value);
    }

    private void writeHeader(int field, int length) {
        out.writeLengthDelimitedHeader(field, length);
    }

    private void writeUInt64(int field, long value) {
        if (value != 0) {
            out.writeUInt64(field, value);
        }
    }

    private void writeInt64(int field, long value) {
        if (value != 0) {
            out.writeUInt64(field, value);
        }
    }

    private void writeUInt32(int field, int value) {
        if (value != 0) {
            out.writeUInt32(field, value);
        }
    }

    private void writeBool(int field, boolean value) {
        if (value) {
            out.writeBool(field, true);
        }
    }

    private void writeBytes(int field, byte[] utf8) {
        if (utf8.length != 0) {
            out.writeBytes(field, utf8);
        }
    }
}
