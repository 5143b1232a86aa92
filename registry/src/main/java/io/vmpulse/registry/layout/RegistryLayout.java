package io.vmpulse.registry.layout;

/**
 * Byte layout of the registry file (ABI version {@value #VERSION_MAJOR}.{@value #VERSION_MINOR}).
 * Everything is little-endian and every 8-byte field is 8-aligned. docs/shm-abi.md is the
 * reference; registry/c/vmpulse_shm.h mirrors these constants and a test compares them.
 *
 * <pre>
 * file:
 *  +---------------------------+ 0
 *  | header (128 bytes)        |
 *  +---------------------------+ DIR_OFFSET = 128
 *  | field directory           |   dir_count entries x 64 bytes
 *  +---------------------------+ slots_offset (page-aligned)
 *  | slot 0 (slot_size bytes)  |
 *  | slot 1                    |
 *  | ...                       |
 *  +---------------------------+ slots_offset + slot_count * slot_size
 *
 * header:
 *   0 magic "VMPULSE\0"    u64     8 version_major u16   10 version_minor u16
 *  12 header_size u32             16 slot_size u32      20 slot_count u32
 *  24 slots_offset u64
 *  32 dir_offset u32              36 dir_count u32      40 dir_entry_size u32
 *  44 sample_offset u32           48 sample_size u32    52 writer_pid u32
 *  56 writer_start_unix_ns i64
 *  64 heartbeat_count u64         72 heartbeat_unix_ns i64
 *  80 heartbeat_mono_ns i64       88 writer_flags u64
 *  96 reserved (24 bytes, zero)
 * 120 ready u64                   (READY once everything above is written; written last)
 *
 * directory entry (64 bytes):
 *   0 name char[32]  32 unit char[8]  40 type u32  44 size u32
 *  48 offset u32     52 count u32     56 stride u32  60 presence u32 (1.3; was reserved, zero)
 *
 * slot (slot_size bytes):
 *   0 seq u64 (seqlock: odd while the writer is writing)
 *   8 generation u64 (changes whenever the slot is claimed)
 *  16 state u32 (FREE, LIVE, FINAL)   20 reserved u32
 *  24 claimed_unix_ns i64
 *  32 used_blocks u64[4] (1.4; was reserved, zero): bit b set = sample block b may be non-zero
 *     (block b = sample bytes [8 + 128 b, 8 + 128 (b + 1)), see UsedBlocks)
 *  64 vm_id char[64] (UTF-8, NUL-padded)
 * 128 sample (sample_size bytes, see RecordFields), then zero up to slot_size
 * </pre>
 */
public final class RegistryLayout {

    /**
     * Where the collector publishes the registry unless configured otherwise, and where every
     * reader looks by default: a file in a directory the collector owns (never world-writable
     * /dev/shm, where another user could squat the name or plant a symlink first). The C header's
     * VMPULSE_DEFAULT_PATH, the Python reader's DEFAULT_PATH, the CLI, the shipped configuration
     * and the documents say the same, which a test checks.
     */
    public static final String DEFAULT_PATH = "/run/vmpulse/registry";

    /** "VMPULSE\0" read as a little-endian u64. */
    public static final long MAGIC = 0x0045534C55504D56L;

    public static final int VERSION_MAJOR = 1;
    public static final int VERSION_MINOR = 4;
    public static final long READY = 1;

    /** writer_flags: the writer closed the registry cleanly; nothing will be published any more. */
    public static final long WRITER_CLOSED = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_MAJOR_OFFSET = MAGIC_OFFSET + 8;
    public static final int VERSION_MINOR_OFFSET = VERSION_MAJOR_OFFSET + 2;
    public static final int HEADER_SIZE_OFFSET = VERSION_MINOR_OFFSET + 2;
    public static final int SLOT_SIZE_OFFSET = HEADER_SIZE_OFFSET + 4;
    public static final int SLOT_COUNT_OFFSET = SLOT_SIZE_OFFSET + 4;
    public static final int SLOTS_OFFSET_OFFSET = SLOT_COUNT_OFFSET + 4;
    public static final int DIR_OFFSET_OFFSET = SLOTS_OFFSET_OFFSET + 8;
    public static final int DIR_COUNT_OFFSET = DIR_OFFSET_OFFSET + 4;
    public static final int DIR_ENTRY_SIZE_OFFSET = DIR_COUNT_OFFSET + 4;
    public static final int SAMPLE_OFFSET_OFFSET = DIR_ENTRY_SIZE_OFFSET + 4;
    public static final int SAMPLE_SIZE_OFFSET = SAMPLE_OFFSET_OFFSET + 4;
    public static final int WRITER_PID_OFFSET = SAMPLE_SIZE_OFFSET + 4;
    public static final int WRITER_START_UNIX_NS_OFFSET = WRITER_PID_OFFSET + 4;
    public static final int HEARTBEAT_COUNT_OFFSET = WRITER_START_UNIX_NS_OFFSET + 8;
    public static final int HEARTBEAT_UNIX_NS_OFFSET = HEARTBEAT_COUNT_OFFSET + 8;
    public static final int HEARTBEAT_MONO_NS_OFFSET = HEARTBEAT_UNIX_NS_OFFSET + 8;
    public static final int WRITER_FLAGS_OFFSET = HEARTBEAT_MONO_NS_OFFSET + 8;
    public static final int HEADER_RESERVED_OFFSET = WRITER_FLAGS_OFFSET + 8;
    public static final int READY_OFFSET = HEADER_RESERVED_OFFSET + 3 * 8;
    public static final int HEADER_SIZE = READY_OFFSET + 8;

    public static final int DIR_OFFSET = HEADER_SIZE;
    public static final int DIR_NAME_OFFSET = 0;
    public static final int DIR_NAME_BYTES = 32;
    public static final int DIR_UNIT_OFFSET = DIR_NAME_OFFSET + DIR_NAME_BYTES;
    public static final int DIR_UNIT_BYTES = 8;
    public static final int DIR_TYPE_OFFSET = DIR_UNIT_OFFSET + DIR_UNIT_BYTES;
    public static final int DIR_SIZE_OFFSET = DIR_TYPE_OFFSET + 4;
    public static final int DIR_FIELD_OFFSET_OFFSET = DIR_SIZE_OFFSET + 4;
    public static final int DIR_COUNT_FIELD_OFFSET = DIR_FIELD_OFFSET_OFFSET + 4;
    public static final int DIR_STRIDE_OFFSET = DIR_COUNT_FIELD_OFFSET + 4;

    /**
     * 1.3: the PRESENT_* bits that must be set for the field to hold a value (0: always, or not
     * stated before 1.3).
     */
    public static final int DIR_PRESENCE_OFFSET = DIR_STRIDE_OFFSET + 4;

    public static final int DIR_ENTRY_SIZE = DIR_PRESENCE_OFFSET + 4;

    public static final int SLOT_SEQ_OFFSET = 0;
    public static final int SLOT_GENERATION_OFFSET = SLOT_SEQ_OFFSET + 8;
    public static final int SLOT_STATE_OFFSET = SLOT_GENERATION_OFFSET + 8;
    public static final int SLOT_CLAIMED_UNIX_NS_OFFSET = SLOT_STATE_OFFSET + 4 + 4;

    /**
     * 1.4: which blocks of the sample the writer published (see {@link UsedBlocks}); readers of a
     * file with minor version 4 or later copy only those and take the rest as zero.
     */
    public static final int SLOT_USED_BLOCKS_OFFSET = SLOT_CLAIMED_UNIX_NS_OFFSET + 8;

    public static final int USED_BLOCKS_WORDS = 4;
    public static final int SLOT_VM_ID_OFFSET = SLOT_USED_BLOCKS_OFFSET + USED_BLOCKS_WORDS * 8;
    public static final int VM_ID_BYTES = 64;
    public static final int SLOT_HEADER_SIZE = SLOT_VM_ID_OFFSET + VM_ID_BYTES;
    public static final int SAMPLE_OFFSET = SLOT_HEADER_SIZE;

    /**
     * Two pages since 1.3 (one before): room for minor versions to append fields without moving
     * anything. Readers step by the header's slot_size, never by this constant.
     */
    public static final int SLOT_SIZE = 8192;

    public static final int STATE_FREE = 0;
    public static final int STATE_LIVE = 1;

    /** The VM is gone; the slot holds its final sample until the writer frees it. */
    public static final int STATE_FINAL = 2;

    /**
     * The writer advances the heartbeat at least this often (every quarter of the sampling
     * interval, and never less often than this), while its data path works.
     */
    public static final int HEARTBEAT_PERIOD_MS = 250;

    /**
     * A reader calls the writer dead (hung, crashed, or its data path stopped) when the heartbeat
     * has not advanced for this long: eight missed heartbeats.
     */
    public static final int WRITER_DEAD_AFTER_MS = 8 * HEARTBEAT_PERIOD_MS;

    /** Seqlock attempts a reader makes on one slot before it gives up on it (for this pass). */
    public static final int READ_ATTEMPTS = 1000;

    /**
     * The first attempts retry at once (a writer's copy takes well under a microsecond); later ones
     * yield the CPU first.
     */
    public static final int READ_SPINS = 64;

    public static final int PAGE_SIZE = 4096;
    public static final int MAX_SLOT_COUNT = 65536;

    static {
        if (SAMPLE_OFFSET + RecordFields.SIZE > SLOT_SIZE) {
            throw new ExceptionInInitializerError("sample does not fit in a slot");
        }
    }

    private RegistryLayout() {}

    /** Where slot 0 starts for a directory of {@code dirCount} entries: the next page boundary. */
    public static int slotsOffset(int dirCount) {
        int end = DIR_OFFSET + dirCount * DIR_ENTRY_SIZE;
        return (end + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
    }

    public static String stateName(int state) {
        return switch (state) {
            case STATE_FREE -> "free";
            case STATE_LIVE -> "live";
            case STATE_FINAL -> "final";
            default -> "unknown state " + state;
        };
    }
}
