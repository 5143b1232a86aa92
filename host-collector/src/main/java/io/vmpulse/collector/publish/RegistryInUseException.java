package io.vmpulse.collector.publish;

import java.io.IOException;
import java.nio.file.Path;

/** Another live collector holds the registry file's lock. */
public final class RegistryInUseException extends IOException {

    private final long holderPid;

    RegistryInUseException(Path path, long holderPid) {
        super("registry " + path + " is in use by collector pid "
                + (holderPid > 0 ? Long.toString(holderPid) : "unknown")
                + "; stop it or give this collector another registry path");
        this.holderPid = holderPid;
    }

    /** The pid the holder wrote into the header, or 0 when unknown. */
    public long holderPid() {
        return holderPid;
    }
}
