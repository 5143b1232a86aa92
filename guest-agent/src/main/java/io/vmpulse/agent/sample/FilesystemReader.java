package io.vmpulse.agent.sample;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;

/**
 * Reads {@code mountinfo}, chooses the filesystems to report ({@link FilesystemSelection}) and
 * takes a statvfs reading of each.
 *
 * <p>{@code mountinfo} is expensive to generate (tens of microseconds: the kernel formats every
 * mount's path), so it is re-read and parsed only when the kernel flags the mount table as changed
 * by {@code POLLPRI} on the open file (proc(5)). In the steady state a read is one non-blocking
 * {@code poll} plus the statvfs calls.
 *
 * <p>Mounts whose statvfs cannot hang are stat'ed on the calling thread; the others go through the
 * {@link StatfsGuard}, started first so that they run while the inline ones are done.
 */
final class FilesystemReader implements AutoCloseable {

    static final int INITIAL_MOUNTINFO_BYTES = 64 << 10;

    private final ProcFile mountinfo;
    private final StatfsGuard guard;
    private boolean parsed;
    private Statvfs[] filesystems = new Statvfs[0];
    private Future<String>[] calls = newCalls(0);

    FilesystemReader(Path mountinfoPath, Duration statfsTimeout) {
        this.guard = new StatfsGuard(statfsTimeout);
        this.mountinfo = new ProcFile(mountinfoPath, INITIAL_MOUNTINFO_BYTES);
    }

    void read() {
        if (mountinfo.changedSincePoll() || !parsed) {
            mountinfo.read();
            rebuild(mountinfo.content());
            parsed = true;
        }
        guard.forgetReturned();
        long deadline = System.nanoTime() + guard.timeoutNanos();
        for (int i = 0; i < filesystems.length; i++) {
            calls[i] = filesystems[i].needsTimeout ? guard.start(filesystems[i]) : null;
        }
        for (Statvfs fs : filesystems) {
            if (!fs.needsTimeout) {
                fs.settle(fs.call());
            }
        }
        for (int i = 0; i < filesystems.length; i++) {
            if (calls[i] != null) {
                guard.finish(filesystems[i], calls[i], deadline);
                calls[i] = null;
            }
        }
    }

    /** The filesystems of the last {@link #read()}, in mount order, with their readings. */
    int count() {
        return filesystems.length;
    }

    Statvfs get(int i) {
        return filesystems[i];
    }

    /** Threads the statfs guard holds now (for tests: hung mounts must not pile them up). */
    int guardThreads() {
        return guard.threads();
    }

    private void rebuild(ByteBuffer content) {
        byte[] bytes = new byte[content.limit()];
        content.get(0, bytes);
        List<Mount> mounts = MountinfoParser.parse(mountinfo.path(), bytes);
        List<FilesystemSelection.Choice> chosen = FilesystemSelection.choose(mounts);
        filesystems = new Statvfs[chosen.size()];
        for (int i = 0; i < filesystems.length; i++) {
            filesystems[i] = new Statvfs(chosen.get(i).mount(), chosen.get(i).needsTimeout());
        }
        calls = newCalls(filesystems.length);
    }

    @SuppressWarnings("unchecked")
    private static Future<String>[] newCalls(int n) {
        return (Future<String>[]) new Future<?>[n];
    }

    @Override
    public void close() {
        guard.close();
        mountinfo.close();
    }
}
