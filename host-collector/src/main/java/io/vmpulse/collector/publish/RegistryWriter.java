package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;

import io.vmpulse.registry.layout.RecordChecksum;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.ShmBuffer;
import io.vmpulse.registry.layout.UsedBlocks;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The collector's side of the shared-memory registry: the only process that writes it.
 *
 * <h2>Starting</h2>
 *
 * The registry's directory must be the collector's own ({@link FileOwner}: created 0750 if missing;
 * a symbolic link, another user's directory or a non-sticky world-writable one is refused). {@link
 * #create} then locks {@code .NAME.lock} beside the registry with {@code flock}: a file of mode
 * 0600 that readers cannot even open, so no reader can ever block a collector from starting. If
 * another process holds the lock, {@link RegistryInUseException} names the pid the kernel lists as
 * its holder. Otherwise any registry at the path was left by a collector that is gone: after
 * refusing a symbolic link or a file of another user there, a fresh registry is built in a new file
 * next to it ({@code O_EXCL|O_NOFOLLOW}: header, directory, {@code ready} last) and renamed over
 * the path, so a reader opening the path never sees a half-built file, and a reader still mapping
 * the old file keeps valid memory and notices the replacement ({@link RegistryReader#isStale()}).
 *
 * <h2>A file damaged under the writer</h2>
 *
 * Nothing but this writer should touch the file, but root can. {@link #fileProblem()} (the
 * collector's timer asks before every heartbeat) tells when the path no longer names the file, or
 * the file is shorter than its slots: the writer is then broken for good, stops touching the
 * mapping (which would raise SIGBUS past the end) and every call throws; the collector stops its
 * heartbeat and exits, and a restart builds a new registry.
 *
 * <h2>Publishing: the seqlock</h2>
 *
 * Every change to a slot runs between two increments of its {@code seq}:
 *
 * <pre>
 *   seq = s + 1          opaque store: odd, "writing"
 *   releaseFence         the odd seq becomes visible before any body store (StoreStore)
 *   body stores          plain copy of the slot fields and the sample
 *   seq = s + 2          release store: every body store is visible before the even seq
 * </pre>
 *
 * A reader that sees the same even seq before and after its copy (see {@link RegistryReader})
 * therefore copied no byte of a concurrent write. x86 would keep stores in order anyway; the fences
 * are what makes this correct on weakly ordered CPUs such as arm64, where they compile to {@code
 * dmb ish} barriers / {@code stlr}.
 *
 * <h2>Only the used part (ABI 1.4)</h2>
 *
 * A publish copies only the blocks of the record that hold data ({@link UsedBlocks}: every field,
 * but array elements only below their count), records them in the slot header's {@code
 * used_blocks}, and zeroes the blocks the slot's previous record used and this one does not, so
 * every block left out is zero in the slot. The checksum is the one of the whole sample, computed
 * over the used blocks alone ({@link RecordChecksum#of(byte[], int, long)}): a 1.3 reader, which
 * copies and hashes the whole sample, reads the same record and the same checksum.
 *
 * <h2>Threads</h2>
 *
 * {@link #claim}, {@link #markFinal}, {@link #release} and {@link #heartbeat} may be called from
 * any thread. {@link #publish} is lock-free: the caller guarantees that one slot is published by
 * one thread at a time, between its claim and its release (one VM, one pipeline).
 */
public final class RegistryWriter implements AutoCloseable {

    private static final int FILE_MODE = 0640;
    private static final int LOCK_MODE = 0600;
    private static final int START_ATTEMPTS = 8;
    private static final byte[] ZEROS = new byte[Math.max(VM_ID_BYTES, RecordFields.SIZE)];

    private final Path path;
    private final NoFollowFile lock;
    private final NoFollowFile file;
    private final long fileInode;
    private final long fileSize;
    private final ShmBuffer buf;
    private final int slotCount;
    private final int slotsOffset;
    private final long startUnixNanos;
    private final boolean replacedStale;
    private final VmRecord empty = new VmRecord();
    private final Map<String, Integer> slotsByVm = new HashMap<>();
    private final String[] vmBySlot;
    private int nextFree;
    private long heartbeats;
    private volatile boolean closed;

    /** Why the file can no longer be written (deleted, replaced, truncated), once it is so. */
    private volatile String broken;

    private RegistryWriter(
            Path path,
            NoFollowFile lock,
            NoFollowFile file,
            ShmBuffer buf,
            int slotCount,
            long startUnixNanos,
            boolean replacedStale)
            throws IOException {
        this.path = path;
        this.lock = lock;
        this.file = file;
        this.fileInode = file.inode();
        this.fileSize = buf.capacity();
        this.buf = buf;
        this.slotCount = slotCount;
        this.slotsOffset = slotsOffset(RecordFields.ALL.size());
        this.startUnixNanos = startUnixNanos;
        this.replacedStale = replacedStale;
        this.vmBySlot = new String[slotCount];
    }

    /**
     * Creates the registry, replacing a stale one.
     *
     * @throws RegistryInUseException when a live process holds the registry's lock file
     * @throws IOException naming the path and the reason: a foreign or symbolic-link directory,
     *     file or lock file, a missing parent directory
     */
    public static RegistryWriter create(RegistryOptions options) throws IOException {
        Path path = options.path().toAbsolutePath();
        FileOwner.prepareDirectory(path.getParent(), options.directoryMode(), options.group());
        Path lockPath = lockFileOf(path);
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            NoFollowFile lock =
                    NoFollowFile.openOrCreate(lockPath, LOCK_MODE, "registry lock file");
            boolean kept = false;
            try {
                if (!lock.tryLock()) {
                    throw new RegistryInUseException(
                            path, lockPath, LockHolders.pidHolding(lock.device(), lock.inode()));
                }
                // Another starter may have replaced the lock file between our open and our lock
                // (it never does, but a person may remove it): then we locked a dead inode.
                if (lock.inode() == RegistryReader.inodeOf(lockPath)) {
                    RegistryWriter w = initialise(path, options, lock);
                    kept = true;
                    return w;
                }
            } catch (NoSuchFileException e) {
                // removed between open and check: look again
            } finally {
                if (!kept) {
                    lock.close();
                }
            }
        }
        throw new IOException(
                "registry lock file "
                        + lockPath
                        + " keeps being replaced while this collector starts; is another one starting?");
    }

    /** {@code .NAME.lock} beside the registry: what the writer locks (readers cannot open it). */
    public static Path lockFileOf(Path registry) {
        return registry.resolveSibling("." + registry.getFileName() + ".lock");
    }

    private static RegistryWriter initialise(Path path, RegistryOptions options, NoFollowFile lock)
            throws IOException {
        FileOwner.refuseForeign(path, "registry");
        boolean stale = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        String tmpPrefix = "." + path.getFileName() + ".init-";
        // Holding the lock means no other collector is initialising, so any temporary file left
        // here is from one that died while starting (in /dev/shm it would hold memory until
        // reboot).
        try (DirectoryStream<Path> leftovers =
                Files.newDirectoryStream(path.getParent(), tmpPrefix + "*")) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
        Path tmp = path.resolveSibling(tmpPrefix + ProcessHandle.current().pid());
        NoFollowFile fresh = NoFollowFile.createNew(tmp, FILE_MODE, "new registry file");
        try {
            setOwnership(tmp, options.group());
            int dirCount = RecordFields.ALL.size();
            long size = slotsOffset(dirCount) + (long) options.slotCount() * SLOT_SIZE;
            ByteBuffer mapped;
            try (FileChannel ch =
                    FileChannel.open(
                            fresh.procPath(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                mapped =
                        ch.map(
                                FileChannel.MapMode.READ_WRITE,
                                0,
                                size); // grows the file; the mapping outlives the channel
            }
            ShmBuffer buf = new ShmBuffer(mapped);
            long start = nowUnixNanos();
            writeHeader(buf, options.slotCount(), start);
            writeDirectory(buf);
            buf.putLongRelease(READY_OFFSET, READY);
            Files.move(
                    tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new RegistryWriter(path, lock, fresh, buf, options.slotCount(), start, stale);
        } catch (IOException | RuntimeException | Error e) {
            fresh.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void writeHeader(ShmBuffer buf, int slotCount, long startUnixNanos) {
        int dirCount = RecordFields.ALL.size();
        buf.putLong(MAGIC_OFFSET, MAGIC);
        buf.putShort(VERSION_MAJOR_OFFSET, (short) VERSION_MAJOR);
        buf.putShort(VERSION_MINOR_OFFSET, (short) VERSION_MINOR);
        buf.putInt(HEADER_SIZE_OFFSET, HEADER_SIZE);
        buf.putInt(SLOT_SIZE_OFFSET, SLOT_SIZE);
        buf.putInt(SLOT_COUNT_OFFSET, slotCount);
        buf.putLong(SLOTS_OFFSET_OFFSET, slotsOffset(dirCount));
        buf.putInt(DIR_OFFSET_OFFSET, DIR_OFFSET);
        buf.putInt(DIR_COUNT_OFFSET, dirCount);
        buf.putInt(DIR_ENTRY_SIZE_OFFSET, DIR_ENTRY_SIZE);
        buf.putInt(SAMPLE_OFFSET_OFFSET, SAMPLE_OFFSET);
        buf.putInt(SAMPLE_SIZE_OFFSET, RecordFields.SIZE);
        buf.putInt(WRITER_PID_OFFSET, (int) ProcessHandle.current().pid());
        buf.putLong(WRITER_START_UNIX_NS_OFFSET, startUnixNanos);
        buf.putLong(HEARTBEAT_UNIX_NS_OFFSET, startUnixNanos);
        buf.putLong(HEARTBEAT_MONO_NS_OFFSET, System.nanoTime());
    }

    private static void writeDirectory(ShmBuffer buf) {
        int at = DIR_OFFSET;
        for (RecordField f : RecordFields.ALL) {
            putText(buf, at + DIR_NAME_OFFSET, f.name());
            putText(buf, at + DIR_UNIT_OFFSET, f.unit());
            buf.putInt(at + DIR_TYPE_OFFSET, f.type().code());
            buf.putInt(at + DIR_SIZE_OFFSET, f.size());
            buf.putInt(at + DIR_FIELD_OFFSET_OFFSET, f.offset());
            buf.putInt(at + DIR_COUNT_FIELD_OFFSET, f.count());
            buf.putInt(at + DIR_STRIDE_OFFSET, f.stride());
            buf.putInt(at + DIR_PRESENCE_OFFSET, (int) f.presence());
            at += DIR_ENTRY_SIZE;
        }
    }

    private static void setOwnership(Path file, String group) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        setGroup(file, group);
    }

    /** Gives {@code file} the registry's read group (no change for null). */
    static void setGroup(Path file, String group) throws IOException {
        if (group != null) {
            GroupPrincipal g;
            try {
                g =
                        file.getFileSystem()
                                .getUserPrincipalLookupService()
                                .lookupPrincipalByGroupName(group);
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("registry group '" + group + "' does not exist", e);
            }
            Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(g);
        }
    }

    // ---- slots ------------------------------------------------------------------------------

    /**
     * Gives {@code vmId} a free slot: a new generation, state live, an empty sample (no presence
     * bits).
     *
     * @return the slot index
     * @throws IllegalStateException when every slot is taken
     * @throws IllegalArgumentException when the id is empty, longer than 63 UTF-8 bytes, contains
     *     NUL, or already holds a slot
     */
    public synchronized int claim(String vmId) {
        ensureOpen();
        byte[] id = vmIdBytes(vmId);
        Integer held = slotsByVm.get(vmId);
        if (held != null) {
            throw new IllegalArgumentException("vm '" + vmId + "' already holds slot " + held);
        }
        for (int i = 0; i < slotCount; i++) {
            int slot = (nextFree + i) % slotCount;
            if (vmBySlot[slot] == null) {
                // Round-robin from the last claim, so a freed slot is reused as late as possible.
                nextFree = (slot + 1) % slotCount;
                int base = slotBase(slot);
                long seq = beginWrite(base);
                buf.putLong(
                        base + SLOT_GENERATION_OFFSET,
                        buf.getLong(base + SLOT_GENERATION_OFFSET) + 1);
                buf.putInt(base + SLOT_STATE_OFFSET, STATE_LIVE);
                buf.putLong(base + SLOT_CLAIMED_UNIX_NS_OFFSET, nowUnixNanos());
                buf.putBytes(base + SLOT_VM_ID_OFFSET, id, 0, VM_ID_BYTES);
                putSample(base, empty, seal(empty));
                endWrite(base, seq);
                vmBySlot[slot] = vmId;
                slotsByVm.put(vmId, slot);
                return slot;
            }
        }
        throw new IllegalStateException(
                "registry " + path + " is full: all " + slotCount + " slots are in use");
    }

    /**
     * Publishes {@code sample} into a live slot. Seals its checksum first (the sample's checksum
     * field is overwritten). Does not lock, allocate or read a clock: the caller stamps the
     * freshness fields.
     */
    public void publish(int slot, VmRecord sample) {
        int base = liveSlotBase(slot);
        long used = seal(sample);
        long seq = beginWrite(base);
        putSample(base, sample, used);
        endWrite(base, seq);
    }

    /**
     * Copies the record last published in a live slot into {@code into}, for the next merge to
     * change: between merges the slot itself holds each VM's record, so the collector keeps no copy
     * per VM. No seqlock read is needed, as only this writer changes a slot, and only the VM's one
     * merge at a time publishes into it. Blocks the slot did not publish are zero in it, and so in
     * {@code into}.
     */
    public void copyOut(int slot, VmRecord into) {
        int base = liveSlotBase(slot);
        byte[] b = into.bytes();
        Arrays.fill(b, (byte) 0);
        int at = base + SAMPLE_OFFSET;
        buf.getBytes(at, b, 0, UsedBlocks.FIRST);
        copyRuns(at, b, buf.getLong(base + SLOT_USED_BLOCKS_OFFSET), false);
    }

    /**
     * Publishes the VM's last sample, with {@link RecordFlags#FLAG_FINAL} set, and moves the slot
     * to state final. Nothing more can be published into it; {@link #release} frees it once the
     * caller's grace period is over.
     */
    public synchronized void markFinal(int slot, VmRecord sample) {
        int base = liveSlotBase(slot);
        sample.setFlags(RecordFlags.FLAG_FINAL, true);
        long used = seal(sample);
        long seq = beginWrite(base);
        buf.putInt(base + SLOT_STATE_OFFSET, STATE_FINAL);
        putSample(base, sample, used);
        endWrite(base, seq);
    }

    /** Frees the slot: state free, id and sample cleared (no data outlives its VM). */
    public synchronized void release(int slot) {
        ensureOpen();
        int base = slotBase(slot);
        String vm = vmBySlot[slot];
        if (vm == null) {
            throw new IllegalStateException("slot " + slot + " is not claimed");
        }
        long seq = beginWrite(base);
        buf.putInt(base + SLOT_STATE_OFFSET, STATE_FREE);
        buf.putBytes(base + SLOT_VM_ID_OFFSET, ZEROS, 0, VM_ID_BYTES);
        buf.putLong(base + SLOT_USED_BLOCKS_OFFSET, 0);
        buf.putBytes(base + SAMPLE_OFFSET, ZEROS, 0, RecordFields.SIZE);
        endWrite(base, seq);
        vmBySlot[slot] = null;
        slotsByVm.remove(vm);
    }

    /**
     * Advances the heartbeat: readers judge the writer alive by it. Call it on a timer, and only
     * while the data path that publishes works: a heartbeat must never outlive it.
     *
     * @throws IllegalStateException when the registry file was deleted, replaced or truncated
     *     ({@link #fileProblem()}): no heartbeat then
     */
    public synchronized void heartbeat() {
        ensureOpen();
        String problem = fileProblem();
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        buf.putLongOpaque(HEARTBEAT_UNIX_NS_OFFSET, nowUnixNanos());
        buf.putLongOpaque(HEARTBEAT_MONO_NS_OFFSET, System.nanoTime());
        buf.putLongRelease(HEARTBEAT_COUNT_OFFSET, ++heartbeats);
    }

    /**
     * Null while the registry file is intact; otherwise why it is not (deleted or replaced at the
     * path, or truncated), and from then on the writer is broken: every call throws, and nothing
     * touches the mapping again. One fstat and one stat.
     */
    public String fileProblem() {
        String why = broken;
        if (why != null || closed) {
            return why;
        }
        try {
            long size = file.size();
            if (size < fileSize) {
                why =
                        "registry "
                                + path
                                + " was truncated to "
                                + size
                                + " bytes under the collector (it needs "
                                + fileSize
                                + ")";
            } else if (RegistryReader.inodeOf(path) != fileInode) {
                why = "registry " + path + " was replaced by another file under the collector";
            }
        } catch (NoSuchFileException e) {
            why = "registry " + path + " was deleted under the collector";
        } catch (IOException e) {
            why = "registry " + path + " cannot be checked: " + e.getMessage();
        }
        if (why != null) {
            broken = why;
        }
        return why;
    }

    /**
     * Marks the registry closed (readers see writer_flags.WRITER_CLOSED) and drops the lock. A
     * broken registry is left as it is.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (fileProblem() == null) {
            heartbeat();
            buf.putLongRelease(WRITER_FLAGS_OFFSET, WRITER_CLOSED);
        }
        closed = true;
        file.close();
        // Removed while still locked: a starter that opened it before then finds its inode gone
        // from the path once it gets the lock, and looks again (see create).
        try {
            if (RegistryReader.inodeOf(lockFileOf(path)) == lock.inode()) {
                Files.delete(lockFileOf(path));
            }
        } catch (IOException e) {
            // harmless: the next collector reuses it
        }
        lock.close();
    }

    public Path path() {
        return path;
    }

    public int slotCount() {
        return slotCount;
    }

    public long startUnixNanos() {
        return startUnixNanos;
    }

    /** True when {@link #create} found a file left by a collector that is gone, and replaced it. */
    public boolean replacedStaleFile() {
        return replacedStale;
    }

    /** Stores the checksum of what will be published, and returns its blocks. */
    private static long seal(VmRecord sample) {
        long used = UsedBlocks.of(sample);
        sample.putLong(
                RecordFields.CHECKSUM, RecordChecksum.of(sample.bytes(), RecordFields.SIZE, used));
        return used;
    }

    /**
     * Inside a write: the checksum word and the used blocks of {@code sample}, zeroes over the
     * blocks only the slot's previous record used, and the slot's new {@code used_blocks}.
     */
    private void putSample(int base, VmRecord sample, long used) {
        int at = base + SAMPLE_OFFSET;
        byte[] b = sample.bytes();
        long stale = buf.getLong(base + SLOT_USED_BLOCKS_OFFSET) & ~used;
        buf.putLong(base + SLOT_USED_BLOCKS_OFFSET, used);
        buf.putBytes(at, b, 0, UsedBlocks.FIRST);
        copyRuns(at, b, used, true);
        copyRuns(at, ZEROS, stale, true);
    }

    /**
     * Copies the blocks set in {@code blocks} between {@code record} and the slot's record at
     * {@code at} (into the slot when {@code intoSlot}), one copy per run of them.
     */
    private void copyRuns(int at, byte[] record, long blocks, boolean intoSlot) {
        while (blocks != 0) {
            int first = Long.numberOfTrailingZeros(blocks);
            int end = UsedBlocks.runEnd(blocks, first);
            int from = UsedBlocks.start(first);
            int to = Math.min(UsedBlocks.start(end), RecordFields.SIZE);
            if (intoSlot) {
                buf.putBytes(at + from, record, from, to - from);
            } else {
                buf.getBytes(at + from, record, from, to - from);
            }
            blocks = UsedBlocks.from(blocks, end);
        }
    }

    private long beginWrite(int base) {
        ensureOpen();
        long seq = buf.getLong(base + SLOT_SEQ_OFFSET); // only this writer changes it
        buf.putLongOpaque(base + SLOT_SEQ_OFFSET, seq + 1);
        VarHandle.releaseFence();
        return seq;
    }

    private void endWrite(int base, long seq) {
        buf.putLongRelease(base + SLOT_SEQ_OFFSET, seq + 2);
    }

    /** The offset of {@code slot}, which must be live: claimed and not yet final. */
    private int liveSlotBase(int slot) {
        ensureOpen();
        int base = slotBase(slot);
        int state = buf.getInt(base + SLOT_STATE_OFFSET);
        if (state != STATE_LIVE) {
            throw new IllegalStateException(
                    "slot " + slot + " is " + stateName(state) + ", not live");
        }
        return base;
    }

    private int slotBase(int slot) {
        if (slot < 0 || slot >= slotCount) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + slotCount);
        }
        return slotsOffset + slot * SLOT_SIZE;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("registry writer for " + path + " is closed");
        }
        String why = broken;
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    private static byte[] vmIdBytes(String vmId) {
        byte[] utf8 = vmId.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0
                || utf8.length >= VM_ID_BYTES
                || vmId.codePoints().anyMatch(VmRecord::isControl)) {
            throw new IllegalArgumentException(
                    "vm id must be 1.."
                            + (VM_ID_BYTES - 1)
                            + " UTF-8 bytes without control characters: '"
                            + vmId.codePoints()
                                    .map(c -> VmRecord.isControl(c) ? '?' : c)
                                    .collect(
                                            StringBuilder::new,
                                            StringBuilder::appendCodePoint,
                                            StringBuilder::append)
                            + "'");
        }
        byte[] padded = new byte[VM_ID_BYTES];
        System.arraycopy(utf8, 0, padded, 0, utf8.length);
        return padded;
    }

    /** Directory text; RecordField keeps names and units shorter than their NUL-padded fields. */
    private static void putText(ShmBuffer buf, int at, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        buf.putBytes(at, utf8, 0, utf8.length);
    }

    private static long nowUnixNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
