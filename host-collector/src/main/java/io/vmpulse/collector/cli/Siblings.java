package io.vmpulse.collector.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The other vmpulse programs as installed: each launcher lies next to this program's jar ({@code
 * /usr/lib/vmpulse/}, or {@code dist/target/vmpulse/} of a build), so the demo starts exactly what
 * an install runs, with the launcher's JVM flags.
 */
final class Siblings {

    private Siblings() {}

    /**
     * The launcher called {@code name}: {@code override} if given, else the one next to this
     * program's jar; null when there is none (the message then says where it looked).
     */
    static Path launcher(String name, Path override) {
        if (override != null) {
            return override;
        }
        Path dir = installDir();
        return dir == null ? null : dir.resolve(name);
    }

    static boolean isRunnable(Path launcher) {
        return launcher != null && Files.isRegularFile(launcher) && Files.isExecutable(launcher);
    }

    /** Where this program's jar is, or null when it runs from classes (tests, an IDE). */
    static Path installDir() {
        try {
            Path self =
                    Path.of(
                            Siblings.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            return Files.isRegularFile(self) ? self.getParent() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The JVM running this program: the siblings run on the same one. */
    static String javaHome() {
        return System.getProperty("java.home");
    }
}
