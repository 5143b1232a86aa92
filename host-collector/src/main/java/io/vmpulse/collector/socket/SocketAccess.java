package io.vmpulse.collector.socket;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who may connect to a socket file the collector binds: its permission bits and, optionally, its
 * group. Connecting to a Unix socket needs write permission on it, so a VMM that runs as another
 * user (the Firecracker jailer's uid) needs group write on its VM's ingest socket.
 *
 * @param mode permission bits, no more than 0777
 * @param group group name, or empty for the collector's own group
 */
public record SocketAccess(int mode, Optional<String> group) {

    /** Owner and the collector's group: what a VMM running as root or in that group needs. */
    public static final SocketAccess OWNER_AND_GROUP = new SocketAccess(0660, Optional.empty());

    public SocketAccess {
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException(
                    "mode " + Integer.toOctalString(mode) + " is not within 0..0777");
        }
    }

    /**
     * Parses a mode written in octal ({@code "0660"}) and checks that the group exists, so a typo
     * stops the collector at start rather than failing every VM's listener later.
     */
    public static SocketAccess parse(String octalMode, String group) {
        if (!octalMode.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException(
                    "mode '" + octalMode + "' is not an octal mode such as \"0660\"");
        }
        if (!group.isEmpty()) {
            try {
                FileSystems.getDefault()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group);
            } catch (UserPrincipalNotFoundException e) {
                throw new IllegalArgumentException("group '" + group + "' does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "cannot look up group '" + group + "': " + e.getMessage());
            }
        }
        return new SocketAccess(
                Integer.parseInt(octalMode, 8),
                group.isEmpty() ? Optional.empty() : Optional.of(group));
    }

    /** Sets the mode and group of the bound socket {@code socket}. */
    public void applyTo(Path socket) throws IOException {
        PosixFileAttributeView view =
                Files.getFileAttributeView(socket, PosixFileAttributeView.class);
        view.setPermissions(permissions());
        if (group.isPresent()) {
            try {
                view.setGroup(
                        socket.getFileSystem()
                                .getUserPrincipalLookupService()
                                .lookupPrincipalByGroupName(group.get()));
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException(
                        "cannot give socket "
                                + socket
                                + " to group '"
                                + group.get()
                                + "': no such group",
                        e);
            }
        }
    }

    private Set<PosixFilePermission> permissions() {
        // PosixFilePermission is declared from OWNER_READ (0400) down to OTHERS_EXECUTE (0001).
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(all[i]);
            }
        }
        return set;
    }
}
