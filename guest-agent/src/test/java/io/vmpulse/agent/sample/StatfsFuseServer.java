package io.vmpulse.agent.sample;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A real FUSE filesystem, served by a minimal server on /dev/fuse that answers FUSE_INIT and
 * FUSE_STATFS (with the numbers it was given) and ENOSYS to everything else. The kernel does the
 * rest, so statvfs of the mount point goes through the real FUSE code. Root only.
 *
 * <p>Messages (include/uapi/linux/fuse.h, little-endian on x86_64 and aarch64):
 *
 * <pre>
 *   request:  fuse_in_header  | len u32 | opcode u32 | unique u64 | nodeid u64 | uid gid pid u32 | extlen pad u16 |  40 bytes
 *   reply:    fuse_out_header | len u32 | error s32 | unique u64 |                                                   16 bytes
 *   INIT reply body, fuse_init_out (64 bytes): major u32 | minor u32 | max_readahead u32 | flags u32 |
 *             max_background u16 | congestion u16 | max_write u32 | ... zero
 *   STATFS reply body, fuse_kstatfs (80 bytes): blocks bfree bavail files ffree u64 | bsize namelen frsize pad u32 | spare
 * </pre>
 */
final class StatfsFuseServer implements AutoCloseable {

    static final int IN_HEADER_SIZE = 40;
    static final int OUT_HEADER_SIZE = 16;
    static final int INIT_OUT_SIZE = 64;
    static final int KSTATFS_SIZE = 80;
    static final int FUSE_INIT = 26;
    static final int FUSE_STATFS = 17;
    static final int FUSE_FORGET = 2;
    static final int FUSE_INTERRUPT = 36;
    static final int FUSE_BATCH_FORGET = 42;
    static final int ENOSYS = 38;

    private final Path mountPoint;
    private final int fd;
    private final long[] counts;
    private final int bsize;
    private final int frsize;
    private final Thread thread;

    /**
     * Mounts at {@code mountPoint} and serves statfs as blocks, bfree, bavail, files, ffree with
     * the sizes given.
     */
    StatfsFuseServer(Path mountPoint, long[] counts, int bsize, int frsize) {
        this.mountPoint = mountPoint;
        this.counts = counts.clone();
        this.bsize = bsize;
        this.frsize = frsize;
        this.fd = TestLibc.C.open("/dev/fuse", TestLibc.O_RDWR | Libc.O_CLOEXEC);
        try {
            TestLibc.C.mount(
                    "vmpulse-statfs",
                    mountPoint.toString(),
                    "fuse",
                    new NativeLong(0),
                    "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0");
        } catch (LastErrorException e) {
            TestLibc.C.close(fd);
            throw e;
        }
        this.thread = new Thread(this::serve, "fuse-statfs-server");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        byte[] buf = new byte[1 << 20];
        while (true) {
            int n;
            try {
                n = TestLibc.C.read(fd, buf, new NativeLong(buf.length)).intValue();
            } catch (LastErrorException e) {
                return; // ENODEV: unmounted, the connection is gone
            }
            ByteBuffer in = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.LITTLE_ENDIAN);
            int opcode = in.getInt(4);
            long unique = in.getLong(8);
            if (opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET || opcode == FUSE_INTERRUPT) {
                continue; // no reply expected
            }
            if (opcode == FUSE_INIT) {
                ByteBuffer out = reply(unique, 0, INIT_OUT_SIZE);
                out.putInt(OUT_HEADER_SIZE, 7)
                        .putInt(OUT_HEADER_SIZE + 4, 31)
                        .putInt(OUT_HEADER_SIZE + 20, 1 << 16);
                send(out);
            } else if (opcode == FUSE_STATFS) {
                ByteBuffer out = reply(unique, 0, KSTATFS_SIZE);
                for (int i = 0; i < counts.length; i++) {
                    out.putLong(OUT_HEADER_SIZE + i * Long.BYTES, counts[i]);
                }
                out.putInt(OUT_HEADER_SIZE + 40, bsize)
                        .putInt(OUT_HEADER_SIZE + 44, 255)
                        .putInt(OUT_HEADER_SIZE + 48, frsize);
                send(out);
            } else {
                send(reply(unique, -ENOSYS, 0));
            }
        }
    }

    private static ByteBuffer reply(long unique, int error, int bodySize) {
        ByteBuffer out =
                ByteBuffer.allocate(OUT_HEADER_SIZE + bodySize).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, OUT_HEADER_SIZE + bodySize).putInt(4, error).putLong(8, unique);
        return out;
    }

    private void send(ByteBuffer out) {
        TestLibc.C.write(fd, out.array(), new NativeLong(out.capacity()));
    }

    /**
     * Unmounts, which ends the connection and so the server's read loop, then closes the device.
     */
    @Override
    public void close() throws InterruptedException {
        TestLibc.C.umount2(mountPoint.toString(), TestLibc.MNT_DETACH);
        thread.join(10_000);
        TestLibc.C.close(fd);
    }
}
