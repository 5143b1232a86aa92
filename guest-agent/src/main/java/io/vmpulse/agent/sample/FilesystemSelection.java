package io.vmpulse.agent.sample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which mounts are reported, and which of them need the statfs timeout.
 *
 * <p>Reported: every mount whose statvfs says something about storage, once per superblock.
 *
 * <ol>
 *   <li>Pseudo filesystems are skipped ({@link #SKIPPED_TYPES}): they hold no data, and autofs must
 *       never be stat'ed (that would trigger the automount it guards). The list follows Prometheus
 *       node_exporter's default exclusions, plus efivarfs, selinuxfs and nfsd. devtmpfs is skipped
 *       too (it holds device nodes; its size is a nominal half of RAM); tmpfs is kept (it is real,
 *       memory-backed space). squashfs, erofs and iso9660 are read-only images, always full, so
 *       they are skipped. overlay is skipped except at {@code /}: a microVM's root is often an
 *       overlay, while overlays elsewhere are usually container layers that would crowd out
 *       everything else.
 *   <li>Hidden mounts are skipped: one that a later mount on the same mount point covers, and
 *       everything mounted below it. statvfs of its path would describe the covering mount.
 *   <li>Bind duplicates are skipped: statvfs describes a superblock, so of all mounts with the same
 *       major:minor one is kept, the one with the shortest root (the whole filesystem rather than a
 *       bind of a subdirectory), then the shortest mount point, then the first.
 *   <li>At most {@link #MAX_FILESYSTEMS} are kept, in mount order, to bound a sample.
 * </ol>
 *
 * <p>Needs a timeout: statvfs of a mount can only hang if the kernel must ask something outside
 * itself: a server (NFS, CIFS, 9p), a user-space daemon (FUSE, virtiofs) or a filesystem this class
 * does not know. The path walk to the mount point crosses every ancestor mount, so a mount is
 * stat'ed inline only if it and all its ancestors are of a type in {@link #IN_KERNEL_TYPES}, whose
 * statfs answers from in-memory counters. Everything else goes through {@link StatfsGuard}.
 */
final class FilesystemSelection {

    static final int MAX_FILESYSTEMS = 64;

    static final Set<String> SKIPPED_TYPES =
            Set.of(
                    "autofs",
                    "binfmt_misc",
                    "bpf",
                    "cgroup",
                    "cgroup2",
                    "configfs",
                    "debugfs",
                    "devpts",
                    "devtmpfs",
                    "efivarfs",
                    "fusectl",
                    "hugetlbfs",
                    "iso9660",
                    "mqueue",
                    "nfsd",
                    "nsfs",
                    "proc",
                    "procfs",
                    "pstore",
                    "rpc_pipefs",
                    "securityfs",
                    "selinuxfs",
                    "squashfs",
                    "erofs",
                    "sysfs",
                    "tracefs");

    static final Set<String> IN_KERNEL_TYPES =
            union(
                    SKIPPED_TYPES,
                    Set.of(
                            "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat", "msdos",
                            "exfat", "ntfs3", "jfs", "nilfs2", "tmpfs", "ramfs"));

    /** A mount to report, and whether its statvfs must run under the timeout. */
    record Choice(Mount mount, boolean needsTimeout) {}

    private FilesystemSelection() {}

    static List<Choice> choose(List<Mount> mounts) {
        Map<Integer, Mount> byId = new HashMap<>();
        Map<String, Integer> lastOnMountPoint = new HashMap<>();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            byId.put(m.mountId(), m);
            lastOnMountPoint.put(m.mountPoint(), i);
        }
        Map<Long, Mount> bestOfDevice = new HashMap<>();
        for (Mount m : mounts) {
            if (isReportable(m) && isVisible(m, byId, lastOnMountPoint, mounts)) {
                Mount best = bestOfDevice.get(m.device());
                bestOfDevice.put(m.device(), best == null ? m : better(best, m));
            }
        }
        List<Choice> chosen = new ArrayList<>();
        for (Mount m : mounts) {
            if (chosen.size() < MAX_FILESYSTEMS && bestOfDevice.get(m.device()) == m) {
                chosen.add(new Choice(m, !inKernelPath(m, byId)));
            }
        }
        return chosen;
    }

    private static boolean isReportable(Mount m) {
        if (m.fsType().equals("overlay")) {
            return m.mountPoint().equals("/");
        }
        return !SKIPPED_TYPES.contains(m.fsType());
    }

    /**
     * Whether {@code m} is what its path leads to: the last mount on its mount point, below
     * ancestors that are each the last on theirs. A parent on the same mount point is the mount
     * {@code m} was stacked on, which {@code m} itself covers, so it is passed over.
     */
    private static boolean isVisible(
            Mount m,
            Map<Integer, Mount> byId,
            Map<String, Integer> lastOnMountPoint,
            List<Mount> mounts) {
        if (!isLast(m, lastOnMountPoint, mounts)) {
            return false;
        }
        for (Mount at = m, p = parent(at, byId); p != null; at = p, p = parent(at, byId)) {
            if (!p.mountPoint().equals(at.mountPoint()) && !isLast(p, lastOnMountPoint, mounts)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLast(
            Mount m, Map<String, Integer> lastOnMountPoint, List<Mount> mounts) {
        return mounts.get(lastOnMountPoint.get(m.mountPoint())) == m;
    }

    private static boolean inKernelPath(Mount m, Map<Integer, Mount> byId) {
        for (Mount at = m; at != null; at = parent(at, byId)) {
            if (!IN_KERNEL_TYPES.contains(at.fsType())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The parent mount, or null at the root (whose parent is outside this mount namespace's view).
     */
    private static Mount parent(Mount m, Map<Integer, Mount> byId) {
        return m.parentId() == m.mountId() ? null : byId.get(m.parentId());
    }

    private static Mount better(Mount kept, Mount candidate) {
        int byRoot = Integer.compare(candidate.root().length(), kept.root().length());
        if (byRoot != 0) {
            return byRoot < 0 ? candidate : kept;
        }
        return candidate.mountPoint().length() < kept.mountPoint().length() ? candidate : kept;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }
}
