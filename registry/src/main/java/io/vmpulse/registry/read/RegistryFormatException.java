package io.vmpulse.registry.read;

import java.io.IOException;
import java.nio.file.Path;

/** The file is not a registry this reader can read; the message says which check failed. */
public final class RegistryFormatException extends IOException {

    public RegistryFormatException(Path path, String what) {
        super("registry " + path + ": " + what);
    }
}
