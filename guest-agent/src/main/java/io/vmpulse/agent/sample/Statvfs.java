package io.vmpulse.agent.sample;

import io.vmpulse.agent.sys.NativeLibrary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * One reported filesystem: its mount, a native {@code struct statvfs} that {@link #call()} fills,
 * and the last reading taken from it. The path and the struct are allocated once per mount, so a
 * reading allocates nothing.
 *
 * <p>glibc's {@code struct statvfs} on LP64 Linux (x86_64 and aarch64 are the same), 112 bytes:
 *
 * <pre>
 *   0        8        16       24       32       40       48       56       64       72       80        88            112
 *   +--------+--------+--------+--------+--------+--------+--------+--------+--------+--------+---------+-------------+
 *   | bsize  | frsize | blocks | bfree  | bavail | files  | ffree  | favail | fsid   | flag   | namemax | spare[6]    |
 *   +--------+--------+--------+--------+--------+--------+--------+--------+--------+--------+---------+-------------+
 * </pre>
 *
 * Block counts are in units of {@code f_frsize}, not {@code f_bsize}: the two differ on virtiofs,
 * FUSE and NFS. {@code f_files} is 0 on filesystems without an inode count.
 */
public final class Statvfs implements Callable<String> {

    static final int F_BSIZE_OFFSET = 0;
    static final int F_FRSIZE_OFFSET = F_BSIZE_OFFSET + Long.BYTES;
    static final int F_BLOCKS_OFFSET = F_FRSIZE_OFFSET + Long.BYTES;
    static final int F_BFREE_OFFSET = F_BLOCKS_OFFSET + Long.BYTES;
    static final int F_BAVAIL_OFFSET = F_BFREE_OFFSET + Long.BYTES;
    static final int F_FILES_OFFSET = F_BAVAIL_OFFSET + Long.BYTES;
    static final int F_FFREE_OFFSET = F_FILES_OFFSET + Long.BYTES;
    static final int F_FAVAIL_OFFSET = F_FFREE_OFFSET + Long.BYTES;
    static final int F_FSID_OFFSET = F_FAVAIL_OFFSET + Long.BYTES;
    static final int F_FLAG_OFFSET = F_FSID_OFFSET + Long.BYTES;
    static final int F_NAMEMAX_OFFSET = F_FLAG_OFFSET + Long.BYTES;
    static final int F_SPARE_OFFSET = F_NAMEMAX_OFFSET + Long.BYTES;
    static final int SIZE = F_SPARE_OFFSET + 6 * Integer.BYTES;

    /** {@code ST_RDONLY} in {@code f_flag}. */
    static final long ST_RDONLY = 1;

    final Mount mount;
    final boolean needsTimeout;

    /**
     * The mount's strings as the wire carries them: {@link ProcfsSampler#bounded}, UTF-8, encoded
     * once per mount.
     */
    final byte[] mountPointUtf8;

    final byte[] deviceUtf8;
    final byte[] fsTypeUtf8;

    /**
     * NUL-terminated mount point, and the struct statvfs fills: direct buffers, at these addresses.
     */
    private final long path;

    private final long struct;
    private final ByteBuffer fields;

    /** Holds the path's buffer, whose memory lives as long as the buffer object does. */
    private final ByteBuffer pathBytes;

    long sizeBytes;
    long freeBytes;
    long availableBytes;
    long inodesTotal;
    long inodesFree;
    boolean readOnly;

    /** Null when the last reading succeeded; else why not, {@link ProcfsSampler#bounded}. */
    String error;

    Statvfs(Mount mount, boolean needsTimeout) {
        this.mount = mount;
        this.needsTimeout = needsTimeout;
        this.mountPointUtf8 = utf8(mount.mountPoint());
        this.deviceUtf8 = utf8(mount.source());
        this.fsTypeUtf8 = utf8(mount.fsType());
        byte[] bytes = mount.mountPointBytes();
        this.pathBytes = ByteBuffer.allocateDirect(bytes.length + 1).put(bytes).put((byte) 0);
        this.path = NativeLibrary.address(pathBytes);
        this.fields = ByteBuffer.allocateDirect(SIZE).order(ByteOrder.nativeOrder());
        this.struct = NativeLibrary.address(fields);
    }

    /**
     * Calls statvfs(2) into the native struct; returns null, or why it failed. One thread at a
     * time, but not necessarily the sampling thread (see {@link StatfsGuard}).
     */
    @Override
    public String call() {
        int result = Libc.statvfs(path, struct);
        return result < 0
                ? "statvfs failed: [" + -result + "] " + NativeLibrary.strerror(-result)
                : null;
    }

    /** Records the outcome of {@link #call()}: the reading it took, or {@code error}. */
    void settle(String error) {
        if (error == null) {
            takeReading();
        } else {
            fail(error);
        }
    }

    /** Takes the reading from the struct that a successful {@link #call()} filled. */
    private void takeReading() {
        long frsize = fields.getLong(F_FRSIZE_OFFSET);
        sizeBytes = fields.getLong(F_BLOCKS_OFFSET) * frsize;
        freeBytes = fields.getLong(F_BFREE_OFFSET) * frsize;
        availableBytes = fields.getLong(F_BAVAIL_OFFSET) * frsize;
        inodesTotal = fields.getLong(F_FILES_OFFSET);
        inodesFree = fields.getLong(F_FFREE_OFFSET);
        readOnly = mount.readOnly() || (fields.getLong(F_FLAG_OFFSET) & ST_RDONLY) != 0;
        error = null;
    }

    /** Records that no reading could be taken; the values read as 0, never as "empty". */
    void fail(String why) {
        sizeBytes = 0;
        freeBytes = 0;
        availableBytes = 0;
        inodesTotal = 0;
        inodesFree = 0;
        readOnly = mount.readOnly();
        error = ProcfsSampler.bounded(why);
    }

    /**
     * As protobuf encodes a string: an unpaired surrogate becomes '?', as {@code String.getBytes}
     * makes it.
     */
    private static byte[] utf8(String s) {
        return ProcfsSampler.bounded(s).getBytes(StandardCharsets.UTF_8);
    }

    // What the encoder reads. The byte arrays are the mount's own: read them, never write them.

    public byte[] mountPointUtf8() {
        return mountPointUtf8;
    }

    public byte[] deviceUtf8() {
        return deviceUtf8;
    }

    public byte[] fsTypeUtf8() {
        return fsTypeUtf8;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long availableBytes() {
        return availableBytes;
    }

    public long inodesTotal() {
        return inodesTotal;
    }

    public long inodesFree() {
        return inodesFree;
    }

    /** Null when the last reading succeeded; else why not. */
    public String error() {
        return error;
    }
}
