package io.vmpulse.exporter.web;

import java.nio.file.Path;

/** A web config file that cannot be used; the message is one line naming the file. */
public final class InvalidWebConfigException extends Exception {

    public InvalidWebConfigException(Path file, String problem) {
        super("web config " + file + ": " + problem);
    }
}
