package io.vmpulse.collector.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles the small C helpers under src/test/resources/host with gcc, once per test JVM. */
public final class NativeHelper {

    private static Path dir;

    private NativeHelper() {}

    public static synchronized Path compile(String name) throws IOException, InterruptedException {
        if (dir == null) {
            dir = Files.createTempDirectory("vmpulse-host-native");
            dir.toFile().deleteOnExit();
        }
        Path binary = dir.resolve(name);
        if (Files.exists(binary)) {
            return binary;
        }
        Path source = dir.resolve(name + ".c");
        try (InputStream in = NativeHelper.class.getResourceAsStream("/host/" + name + ".c")) {
            if (in == null) {
                throw new IOException("no test resource host/" + name + ".c");
            }
            Files.copy(in, source);
        }
        run(
                List.of(
                        "gcc",
                        "-O2",
                        "-Wall",
                        "-o",
                        binary.toString(),
                        source.toString(),
                        "-pthread"),
                60);
        return binary;
    }

    /**
     * Runs a command to completion and returns its output; fails with that output if it exits
     * non-zero.
     */
    public static String run(List<String> command, int timeoutSeconds)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
