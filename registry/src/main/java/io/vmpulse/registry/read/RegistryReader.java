package io.vmpulse.registry.read;

import static io.vmpulse.registry.layout.RegistryLayout.*;

import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.ShmBuffer;
import io.vmpulse.registry.layout.UsedBlocks;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads a registry that a collector (possibly another process) is writing, lock-free and without a
 * system call per value.
 *
 * <h2>The read side of the seqlock</h2>
 *
 * <pre>
 *   s1 = seq                acquire load: nothing below is read before it
 *   if s1 is odd            the writer is inside a write: retry
 *   copy slot header and sample (plain loads; since 1.4 only the sample's used blocks)
 *   acquireFence            LoadLoad: every load of the copy completes before the next load
 *   s2 = seq                (opaque load)
 *   accept iff s1 == s2
 * </pre>
 *
 * Paired with the writer (see the collector's RegistryWriter): if any copied byte came from a write
 * that had begun, that write's odd seq (or a later value) is visible to the {@code s2} load, so
 * {@code s2 != s1}. Without the acquire load and the fence, a weakly ordered CPU (arm64) could
 * perform some copy loads after the {@code s2} load and accept a torn copy; x86 never reorders
 * loads with loads, which is why a missing fence goes unnoticed there.
 *
 * <h2>Used blocks (1.4)</h2>
 *
 * In a file of minor version 4 or later, the slot header's {@code used_blocks} says which 128-byte
 * blocks of the sample the writer published ({@link UsedBlocks}); the others are zero. The reader
 * copies the header first, then the checksum word and the used blocks as the copied header lists
 * them (a torn header is caught by the seq check like any other torn byte), and zeroes in the
 * snapshot the blocks an earlier copy left there that this one does not use.
 *
 * <p>A slot whose writer died between the two increments stays odd: reads of it fail (after a
 * bounded number of attempts) until a new collector replaces the file.
 *
 * <h2>A file cut short under the reader</h2>
 *
 * Touching a page of the mapping past the end of a truncated file raises SIGBUS (the JVM turns it
 * into an InternalError at some later point). So every {@link #read} and every {@link #forEachLive}
 * pass first asks the kernel for the file's size (one {@code fstat} on the descriptor kept open),
 * and throws {@link RegistryTruncatedException} instead of touching a slot that is gone; an
 * InternalError from a truncation that races the check is turned into the same exception. A file
 * that is deleted stays mapped and readable ({@link #isStale()} says so).
 *
 * <p>Thread-safety: {@link #read} and {@link #forEachLive} may run on many threads at once, each
 * with its own {@link SlotSnapshot}. {@link #reopenIfReplaced()} must not run concurrently with
 * them.
 */
public final class RegistryReader implements AutoCloseable {

    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Attempts before a read gives up: the first ones spin, later ones yield the CPU. */
    public static final int MAX_ATTEMPTS = RegistryLayout.READ_ATTEMPTS;

    private final Path path;
    private Mapping m;

    private RegistryReader(Path path, Mapping m) {
        this.path = path;
        this.m = m;
    }

    /**
     * Maps and validates the registry at {@code path}.
     *
     * @throws RegistryFormatException naming the check that failed (magic, version, sizes,
     *     directory, not ready, truncated)
     * @throws NoSuchFileException when there is no registry (no collector has run)
     */
    public static RegistryReader open(Path path) throws IOException {
        return new RegistryReader(path, Mapping.open(path));
    }

    public Path path() {
        return path;
    }

    public int slotCount() {
        return m.slotCount;
    }

    public FieldDirectory directory() {
        return m.directory;
    }

    /** Bytes of a sample in this file (its writer's version). */
    public int sampleSize() {
        return m.sampleSize;
    }

    public int versionMinor() {
        return m.minor;
    }

    public long writerPid() {
        return m.writerPid;
    }

    public long writerStartUnixNanos() {
        return m.writerStart;
    }

    public long heartbeatCount() {
        return m.buf.getLongAcquire(HEARTBEAT_COUNT_OFFSET);
    }

    /** Writer's CLOCK_REALTIME at its last heartbeat. */
    public long heartbeatUnixNanos() {
        return m.buf.getLongOpaque(HEARTBEAT_UNIX_NS_OFFSET);
    }

    /** Writer's CLOCK_MONOTONIC at its last heartbeat; compare with {@link System#nanoTime()}. */
    public long heartbeatMonoNanos() {
        return m.buf.getLongOpaque(HEARTBEAT_MONO_NS_OFFSET);
    }

    /** True once the writer closed the registry cleanly: nothing will change any more. */
    public boolean writerClosed() {
        return (m.buf.getLongAcquire(WRITER_FLAGS_OFFSET) & WRITER_CLOSED) != 0;
    }

    /** A snapshot sized for this registry, to reuse across reads. */
    public SlotSnapshot newSnapshot() {
        return new SlotSnapshot(m.sampleSize);
    }

    /**
     * Copies slot {@code slot} consistently into {@code into}.
     *
     * @return false when no consistent copy was obtained within {@link #MAX_ATTEMPTS} attempts (the
     *     writer kept writing this slot, or died while writing it)
     */
    public boolean read(int slot, SlotSnapshot into) {
        Mapping m = this.m;
        byte[] header = into.headerBytes();
        byte[] sample = into.sample().bytes();
        if (sample.length < m.sampleSize) {
            throw new IllegalArgumentException(
                    "snapshot holds "
                            + sample.length
                            + " sample bytes, this registry needs "
                            + m.sampleSize
                            + ": take a newSnapshot()");
        }
        m.checkSize(path);
        return copy(m, slot, into, header, sample);
    }

    private boolean copy(Mapping m, int slot, SlotSnapshot into, byte[] header, byte[] sample) {
        int base = m.slotBase(slot);
        try {
            return copySlot(m, slot, base, into, header, sample);
        } catch (InternalError e) {
            // SIGBUS from a page that vanished between the size check and the copy.
            m.checkSize(path);
            throw e;
        }
    }

    private static boolean copySlot(
            Mapping m, int slot, int base, SlotSnapshot into, byte[] header, byte[] sample) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            long s1 = m.buf.getLongAcquire(base + SLOT_SEQ_OFFSET);
            if ((s1 & 1) == 0) {
                m.buf.getBytes(base, header, 0, SLOT_HEADER_SIZE);
                long[] used = into.usedBlocks();
                if (m.usedBlocks) {
                    m.usedBlocksOf(header, used);
                    into.mayHold(used);
                    m.buf.getBytes(base + m.sampleOffset, sample, 0, UsedBlocks.FIRST);
                    m.copyBlocks(base + m.sampleOffset, sample, used);
                } else {
                    m.buf.getBytes(base + m.sampleOffset, sample, 0, m.sampleSize);
                }
                VarHandle.acquireFence();
                long s2 = m.buf.getLongOpaque(base + SLOT_SEQ_OFFSET);
                if (s1 == s2) {
                    if (m.usedBlocks) {
                        into.zeroUnused(used);
                    } else {
                        into.mayHoldAll();
                    }
                    if (sample.length > m.sampleSize) {
                        // An older writer's shorter sample: fields it does not have read as zero.
                        Arrays.fill(sample, m.sampleSize, sample.length, (byte) 0);
                    }
                    into.completed(slot, s1, attempt, m.sampleSize);
                    return true;
                }
            }
            if (attempt < READ_SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        into.completed(slot, -1, MAX_ATTEMPTS, m.sampleSize);
        return false;
    }

    /** The slot's state without a consistent copy: a cheap filter before {@link #read}. */
    public int stateOf(int slot) {
        Mapping m = this.m;
        m.checkSize(path);
        return m.buf.getInt(m.slotBase(slot) + SLOT_STATE_OFFSET);
    }

    /**
     * Calls {@code action} with a consistent copy of every slot that is live or final, in slot
     * order, reusing {@code scratch}. Free slots, slots in a state this reader does not know (a
     * newer minor version's) and slots that cannot be read consistently are skipped.
     *
     * @return how many slots were skipped because no consistent copy was obtained
     */
    public int forEachLive(SlotSnapshot scratch, Consumer<SlotSnapshot> action) {
        Mapping m = this.m;
        m.checkSize(path);
        if (scratch.sample().bytes().length < m.sampleSize) {
            throw new IllegalArgumentException(
                    "snapshot holds "
                            + scratch.sample().bytes().length
                            + " sample bytes, this registry needs "
                            + m.sampleSize
                            + ": take a newSnapshot()");
        }
        int skipped = 0;
        for (int slot = 0; slot < m.slotCount; slot++) {
            int state;
            try {
                state = m.buf.getInt(m.slotBase(slot) + SLOT_STATE_OFFSET);
            } catch (InternalError e) {
                m.checkSize(path);
                throw e;
            }
            if (state != STATE_LIVE && state != STATE_FINAL) {
                continue; // free, or a state newer than this reader
            }
            if (!copy(m, slot, scratch, scratch.headerBytes(), scratch.sample().bytes())) {
                skipped++;
            } else if (scratch.state() == STATE_LIVE || scratch.state() == STATE_FINAL) {
                action.accept(scratch);
            }
        }
        return skipped;
    }

    /**
     * True when the path no longer names the file this reader maps: a new collector replaced it (or
     * it was removed). The mapped file stays readable but will never change again.
     */
    public boolean isStale() {
        try {
            return inodeOf(path) != m.inode;
        } catch (IOException e) {
            return true;
        }
    }

    /** The inode {@code path} names now: how a reader and the writer tell a replaced file apart. */
    public static long inodeOf(Path path) throws IOException {
        return ((Number) Files.getAttribute(path, "unix:ino")).longValue();
    }

    /**
     * Maps the file the path names now if it replaced this one. Snapshots from {@link
     * #newSnapshot()} must be renewed when {@link #sampleSize()} grew.
     *
     * @return true when a new file is now mapped
     */
    public boolean reopenIfReplaced() throws IOException {
        if (!isStale()) {
            return false;
        }
        Mapping next = Mapping.open(path);
        m.close();
        m = next;
        return true;
    }

    /**
     * Drops this reader's view; the mapping itself is unmapped by the garbage collector. The reader
     * must not be used afterwards.
     */
    @Override
    public void close() {
        if (m != null) {
            m.close();
            m = null;
        }
    }

    /** One mapped, validated registry file. */
    private static final class Mapping {
        final ShmBuffer buf;
        final long inode;
        final int minor;
        final int slotCount;
        final int slotSize;
        final int slotsOffset;
        final int sampleOffset;
        final int sampleSize;
        final long writerPid;
        final long writerStart;
        final FieldDirectory directory;

        /** 1.4 and later: slots say which sample blocks they use. */
        final boolean usedBlocks;

        /** Blocks of this file's sample, and of those the ones the slot header's map covers. */
        final int blocks;

        final int mappedBlocks;

        /** Kept open for the size check before each read; the mapping would outlive it anyway. */
        final FileChannel channel;

        final long needed;

        private Mapping(Path path, ShmBuffer buf, long inode, FileChannel channel)
                throws RegistryFormatException {
            this.buf = buf;
            this.inode = inode;
            this.channel = channel;
            if (buf.capacity() < HEADER_SIZE) {
                throw new RegistryFormatException(
                        path,
                        "truncated: "
                                + buf.capacity()
                                + " bytes, smaller than the "
                                + HEADER_SIZE
                                + "-byte header");
            }
            long magic = buf.getLong(MAGIC_OFFSET);
            if (magic != MAGIC) {
                throw new RegistryFormatException(
                        path,
                        String.format(
                                "bad magic 0x%016x (expected 0x%016x, \"VMPULSE\\0\"): not a vmpulse registry",
                                magic, MAGIC));
            }
            int major = Short.toUnsignedInt(buf.getShort(VERSION_MAJOR_OFFSET));
            minor = Short.toUnsignedInt(buf.getShort(VERSION_MINOR_OFFSET));
            if (major != VERSION_MAJOR) {
                throw new RegistryFormatException(
                        path,
                        "ABI major version "
                                + major
                                + "."
                                + minor
                                + " is not supported by this reader (it reads major "
                                + VERSION_MAJOR
                                + ")");
            }
            if (buf.getLongAcquire(READY_OFFSET) != READY) {
                throw new RegistryFormatException(
                        path, "not ready: the writer has not finished initialising it");
            }
            int headerSize = buf.getInt(HEADER_SIZE_OFFSET);
            slotSize = buf.getInt(SLOT_SIZE_OFFSET);
            slotCount = buf.getInt(SLOT_COUNT_OFFSET);
            long slots = buf.getLong(SLOTS_OFFSET_OFFSET);
            int dirOffset = buf.getInt(DIR_OFFSET_OFFSET);
            int dirCount = buf.getInt(DIR_COUNT_OFFSET);
            int dirEntrySize = buf.getInt(DIR_ENTRY_SIZE_OFFSET);
            sampleOffset = buf.getInt(SAMPLE_OFFSET_OFFSET);
            sampleSize = buf.getInt(SAMPLE_SIZE_OFFSET);
            require(
                    path,
                    headerSize >= HEADER_SIZE,
                    "header_size " + headerSize + " < " + HEADER_SIZE);
            require(
                    path,
                    sampleOffset >= SLOT_HEADER_SIZE && sampleOffset % 8 == 0,
                    "sample_offset " + sampleOffset + " is invalid");
            require(
                    path,
                    sampleSize >= 8 && sampleSize % 8 == 0,
                    "sample_size " + sampleSize + " is invalid");
            require(
                    path,
                    slotSize % 8 == 0 && (long) sampleOffset + sampleSize <= slotSize,
                    "slot_size " + slotSize + " cannot hold a " + sampleSize + "-byte sample");
            require(
                    path,
                    slotCount >= 0 && slotCount <= MAX_SLOT_COUNT,
                    "slot_count " + slotCount + " is out of range");
            require(
                    path,
                    dirOffset >= headerSize
                            && dirCount >= 0
                            && dirEntrySize > 0
                            && (long) dirOffset + (long) dirCount * dirEntrySize <= slots,
                    "field directory overlaps the slots");
            require(path, slots % 8 == 0, "slots_offset " + slots + " is not 8-aligned");
            needed = slots + (long) slotCount * slotSize;
            require(
                    path,
                    buf.capacity() >= needed,
                    "truncated: " + buf.capacity() + " bytes, the header describes " + needed);
            slotsOffset = (int) slots;
            usedBlocks = minor >= 4;
            blocks = UsedBlocks.count(sampleSize);
            mappedBlocks = Math.min(blocks, UsedBlocks.MAP_BLOCKS);
            writerPid = Integer.toUnsignedLong(buf.getInt(WRITER_PID_OFFSET));
            writerStart = buf.getLong(WRITER_START_UNIX_NS_OFFSET);
            directory =
                    FieldDirectory.parse(path, buf, dirOffset, dirCount, dirEntrySize, sampleSize);
            directory.checkAgainst(path, RecordFields.ALL);
        }

        static Mapping open(Path path) throws IOException {
            // A collector may rename a new file over the path while we open it: map, then make
            // sure the path still names what we mapped, so isStale() compares the right inode.
            for (int attempt = 0; ; attempt++) {
                long inode = inodeOf(path);
                FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
                try {
                    long size = ch.size();
                    if (size > Integer.MAX_VALUE) {
                        throw new RegistryFormatException(
                                path, "file of " + size + " bytes is larger than any registry");
                    }
                    ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                    if (inodeOf(path) == inode || attempt == 3) {
                        return new Mapping(path, new ShmBuffer(b), inode, ch);
                    }
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                ch.close();
            }
        }

        /** Throws unless the file still holds every slot the header describes. */
        void checkSize(Path path) {
            long size;
            try {
                size = channel.size();
            } catch (IOException e) {
                throw new RegistryTruncatedException(path, -1, needed);
            }
            if (size < needed) {
                throw new RegistryTruncatedException(path, size, needed);
            }
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // a read-only descriptor: nothing was pending
            }
        }

        /** The copied header's used_blocks, without bits past this file's blocks. */
        void usedBlocksOf(byte[] header, long[] into) {
            for (int w = 0; w < USED_BLOCKS_WORDS; w++) {
                long word = (long) LONG.get(header, SLOT_USED_BLOCKS_OFFSET + 8 * w);
                int bits = mappedBlocks - 64 * w;
                into[w] = bits >= 64 ? word : bits <= 0 ? 0 : word & ((1L << bits) - 1);
            }
        }

        /** Copies the blocks set in {@code used}, and every block past the map, from the slot. */
        void copyBlocks(int sampleBase, byte[] sample, long[] used) {
            for (int w = 0; w < used.length; w++) {
                long word = used[w];
                while (word != 0) {
                    int first = Long.numberOfTrailingZeros(word);
                    int end = UsedBlocks.runEnd(word, first);
                    int from = UsedBlocks.start(64 * w + first);
                    int to = Math.min(UsedBlocks.start(64 * w + end), sampleSize);
                    buf.getBytes(sampleBase + from, sample, from, to - from);
                    word = UsedBlocks.from(word, end);
                }
            }
            if (blocks > mappedBlocks) {
                int from = UsedBlocks.start(mappedBlocks);
                buf.getBytes(sampleBase + from, sample, from, sampleSize - from);
            }
        }

        int slotBase(int slot) {
            if (slot < 0 || slot >= slotCount) {
                throw new IndexOutOfBoundsException("slot " + slot + " of " + slotCount);
            }
            return slotsOffset + slot * slotSize;
        }

        private static void require(Path path, boolean ok, String what)
                throws RegistryFormatException {
            if (!ok) {
                throw new RegistryFormatException(path, what);
            }
        }
    }
}
