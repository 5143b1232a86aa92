package io.vmpulse.collector.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Who may connect to a VM's Unix ingest socket, judged from the kernel's SO_PEERCRED of the
 * connecting process, never from anything it sends. The socket's file mode lets a group in (the
 * VMMs' group), but every VMM user is in that group; without this rule any of them could connect to
 * another VM's socket and speak for that VM.
 */
@FunctionalInterface
public interface PeerRule {

    /**
     * Any peer the socket's file permissions let in: for VMs whose VMM is not known (dev, test
     * VMs).
     */
    PeerRule ANY = (pid, uid) -> null;

    /**
     * @return null to admit the peer, else why it is refused
     */
    String refuse(int pid, int uid);

    /**
     * The peer must run as the user that owns the VMM process {@code vmmPid} (the process that
     * bridges the guest's vsock to this socket), or be root. The owner is read at each connect, so
     * a VMM that changed user (the jailer drops to its uid after start) is judged as it is now.
     */
    static PeerRule sameUserAs(int vmmPid) {
        return (pid, uid) -> {
            if (uid == 0) {
                return null;
            }
            int owner;
            try {
                owner =
                        (Integer)
                                Files.getAttribute(
                                        Path.of("/proc", Integer.toString(vmmPid)),
                                        "unix:uid",
                                        LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException e) {
                return "the VMM (pid "
                        + vmmPid
                        + ") is not running, so no peer can speak for its guest";
            }
            return uid == owner
                    ? null
                    : "peer pid " + pid + " runs as uid " + uid + ", not as the VMM's uid " + owner;
        };
    }
}
