package io.vmpulse.collector.publish;

import java.io.IOException;
import java.nio.file.Path;

/** A live process holds the registry's lock file: another collector is publishing there. */
public final class RegistryInUseException extends IOException {

    private final long holderPid;

    RegistryInUseException(Path path, Path lockFile, long holderPid) {
        super(
                "registry "
                        + path
                        + " is in use by "
                        + (holderPid > 0
                                ? "pid " + holderPid + " (" + LockHolders.command(holderPid) + ")"
                                : "another process")
                        + ", which holds its lock file "
                        + lockFile
                        + "; stop it or give this collector another registry path");
        this.holderPid = holderPid;
    }

    /** The pid that holds the lock now, as the kernel lists it in /proc/locks; 0 when unknown. */
    public long holderPid() {
        return holderPid;
    }
}
