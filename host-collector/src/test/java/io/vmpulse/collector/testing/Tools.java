package io.vmpulse.collector.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the C and Python readers shipped in registry/ as real separate processes. */
public final class Tools {

    /** The repository root (surefire runs in the module directory). */
    public static final Path ROOT =
            Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    public static final Path C_DIR = ROOT.resolve("registry/c");
    public static final Path PYTHON_READER = ROOT.resolve("registry/python/vmpulse_shm.py");

    private Tools() {}

    /**
     * Compiles {@code source} (with registry/c on the include path) into {@code dir}; returns the
     * binary.
     */
    public static Path gcc(Path source, Path dir) throws Exception {
        Path out = dir.resolve(source.getFileName().toString().replace(".c", ""));
        Result r =
                run(
                        List.of(
                                "gcc",
                                "-std=gnu11",
                                "-O2",
                                "-Wall",
                                "-Wextra",
                                "-Werror",
                                "-I",
                                C_DIR.toString(),
                                "-o",
                                out.toString(),
                                source.toString()),
                        120);
        assertEquals(0, r.exit, () -> "gcc failed:\n" + r.stderr);
        return out;
    }

    public static Path cDump(Path dir) throws Exception {
        return gcc(C_DIR.resolve("vmpulse_dump.c"), dir);
    }

    public static List<String> python(String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", PYTHON_READER.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public record Result(int exit, String stdout, String stderr) {}

    public static Result run(List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        Process p = start(command);
        return finish(p, timeoutSeconds);
    }

    public static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).start();
    }

    public static Result finish(Process p, long timeoutSeconds)
            throws IOException, InterruptedException {
        // Drain both pipes while waiting so a chatty child never blocks on a full pipe.
        var out = new CompletableFuture<String>();
        var err = new CompletableFuture<String>();
        Thread to = new Thread(() -> out.complete(readAll(p.getInputStream())));
        Thread te = new Thread(() -> err.complete(readAll(p.getErrorStream())));
        to.start();
        te.start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(
                done,
                "process did not finish within "
                        + timeoutSeconds
                        + " s: "
                        + p.info().commandLine().orElse("?"));
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    public static Path writeC(Path dir, String name, String source) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, source);
        return p;
    }
}
