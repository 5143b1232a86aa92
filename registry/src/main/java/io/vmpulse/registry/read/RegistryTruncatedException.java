package io.vmpulse.registry.read;

import java.nio.file.Path;

/**
 * The mapped registry file became shorter than its header says while this reader held it (someone
 * truncated it). Touching the missing pages would raise SIGBUS, so the reader stops before it; the
 * file can never become valid again, so the only way on is to reopen the path.
 */
public final class RegistryTruncatedException extends IllegalStateException {

    RegistryTruncatedException(Path path, long size, long needed) {
        super(
                "registry "
                        + path
                        + " was truncated to "
                        + size
                        + " bytes while being read (it needs "
                        + needed
                        + "); it is damaged: reopen it once a collector has rebuilt it");
    }
}
