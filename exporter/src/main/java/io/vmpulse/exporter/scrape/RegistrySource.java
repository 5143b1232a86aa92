package io.vmpulse.exporter.scrape;

import io.vmpulse.registry.read.RegistryReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The registry file the exporter reads, opened when it first exists and mapped again when a new
 * collector replaces it. Not thread-safe: {@link RegistryScraper} calls it under its lock.
 */
final class RegistrySource {

    private final Path path;
    private RegistryReader reader;
    private String problem = "not opened yet";

    RegistrySource(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /**
     * The reader of the file the path names now, or null (then {@link #problem()} says why). A
     * collector that restarts renames a new file over the path: the old mapping would never change
     * again, so it is replaced before every scrape.
     */
    RegistryReader current() {
        try {
            if (reader == null) {
                reader = RegistryReader.open(path);
            } else {
                reader.reopenIfReplaced();
            }
            problem = null;
        } catch (NoSuchFileException e) {
            drop("no registry at " + path + " (is the collector running?)");
        } catch (IOException | RuntimeException e) {
            drop("cannot read registry " + path + ": " + e.getMessage());
        }
        return reader;
    }

    /** Why there is no reader, or null when there is one. */
    String problem() {
        return problem;
    }

    /**
     * The mapped file can no longer be read (it was cut short): map it again at the next scrape.
     */
    void invalidate(String why) {
        drop(why);
    }

    private void drop(String why) {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        problem = why;
    }
}
