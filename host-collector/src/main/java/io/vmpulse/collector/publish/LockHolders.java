package io.vmpulse.collector.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who holds an flock, as the kernel says in /proc/locks: the pid that actually holds the lock now,
 * never a pid remembered in a file (which may be a collector long dead).
 *
 * <pre>
 * 1: FLOCK  ADVISORY  WRITE 4242 00:19:1234 0 EOF
 *    type   kind      mode  pid  major:minor:inode (device numbers in hex)
 * </pre>
 *
 * Waiting lockers are listed as {@code 1: -> FLOCK ...} and are skipped.
 */
final class LockHolders {

    private LockHolders() {}

    /**
     * The pid holding an flock on the file with device {@code dev} (st_dev) and inode {@code ino},
     * or 0.
     */
    static long pidHolding(long dev, long ino) {
        String want = String.format("%02x:%02x:%d", major(dev), minor(dev), ino);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[1].equals("FLOCK") && f[5].equals(want)) {
                    return Long.parseLong(f[4]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or no /proc: unknown
        }
        return 0;
    }

    /** The process's command name, from /proc/PID/comm, or "?" once it is gone. */
    static String command(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    private static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
