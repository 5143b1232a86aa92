package io.vmpulse.collector.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;

/**
 * Who owns what the registry lives in. Every registry reader trusts the file at the registry path,
 * so the collector only ever writes into a directory that no other user can change, and refuses a
 * file, directory or symbolic link that someone else put where its registry goes: in a directory
 * another user can write to, that user could have planted it before the collector started, to be
 * followed, filled or read.
 */
final class FileOwner {

    private static final int S_IWGRP = 0020;
    private static final int S_IWOTH = 0002;
    private static final int S_ISVTX = 01000;

    private FileOwner() {}

    /**
     * Makes sure {@code dir} is a directory only this collector's user (or root) can change:
     * creates it with {@code mode} (and {@code group}, so that readers in it may pass) if it is
     * missing; refuses a symbolic link, a directory owned by another user, and one others may write
     * to unless it is sticky (like /dev/shm, where others cannot replace our files).
     */
    static void prepareDirectory(Path dir, int mode, String group) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(dir.getParent())) {
                throw new IOException(
                        "registry directory "
                                + dir
                                + " cannot be created: "
                                + dir.getParent()
                                + " does not exist");
            }
            Files.createDirectory(dir);
            Files.setAttribute(dir, "unix:mode", mode);
            RegistryWriter.setGroup(dir, group);
            return;
        }
        int uid = (Integer) a.get("uid");
        int bits = (Integer) a.get("mode");
        if (Files.isSymbolicLink(dir)) {
            throw new IOException(
                    "registry directory "
                            + dir
                            + " is a symbolic link; refusing it (another user could point it anywhere)");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("registry directory " + dir + " is not a directory");
        }
        int me = NoFollowFile.euid();
        if (uid != me && uid != 0) {
            throw new IOException(
                    "registry directory "
                            + dir
                            + " is owned by "
                            + user(uid)
                            + ", not by this collector's user "
                            + user(me)
                            + "; refusing it (its owner could replace the registry): use a directory of the collector's own");
        }
        if ((bits & (S_IWGRP | S_IWOTH)) != 0 && (bits & S_ISVTX) == 0) {
            throw new IOException(
                    "registry directory "
                            + dir
                            + " is writable by other users (mode "
                            + String.format("%04o", bits & 07777)
                            + ") and not sticky; refusing it (they could replace the registry)");
        }
    }

    /**
     * Refuses an existing {@code path} that is a symbolic link, not a regular file, or owned by
     * another user. A missing path is fine.
     */
    static void refuseForeign(Path path, String what) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (a.isSymbolicLink()) {
            throw new IOException(
                    what
                            + " "
                            + path
                            + " is a symbolic link (to "
                            + Files.readSymbolicLink(path)
                            + "); refusing to follow or replace it: remove it if it is not yours");
        }
        if (!a.isRegularFile()) {
            throw new IOException(
                    what
                            + " "
                            + path
                            + " exists and is not a regular file"
                            + (a.isDirectory() ? " but a directory" : "")
                            + "; refusing to replace it");
        }
        requireOwner(path, path, what);
    }

    /**
     * {@code file} (possibly /proc/self/fd/N) must be a regular file of this process's user; errors
     * name {@code shown}.
     */
    static void requireOwnRegularFile(Path file, Path shown, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + " " + shown + " is not a regular file; refusing it");
        }
        requireOwner(file, shown, what);
    }

    private static void requireOwner(Path file, Path shown, String what) throws IOException {
        int uid = (Integer) Files.getAttribute(file, "unix:uid");
        int me = NoFollowFile.euid();
        if (uid != me) {
            throw new IOException(
                    what
                            + " "
                            + shown
                            + " already exists and is owned by "
                            + user(uid)
                            + ", not by this collector's user "
                            + user(me)
                            + "; refusing it: remove it if it is not yours");
        }
    }

    /** "name (uid N)", or "uid N" when the uid has no name. */
    static String user(int uid) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", 4);
                if (f.length > 2 && f[2].equals(Integer.toString(uid))) {
                    return f[0] + " (uid " + uid + ")";
                }
            }
        } catch (IOException e) {
            // no names: numbers only
        }
        return "uid " + uid;
    }
}
