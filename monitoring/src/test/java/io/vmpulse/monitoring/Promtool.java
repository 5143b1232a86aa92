package io.vmpulse.monitoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real promtool, bounded in time. */
final class Promtool {

    record Result(int exitCode, String output) {}

    private Promtool() {}

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(MonitoringFiles.PROMTOOL.toString());
        command.addAll(List.of(args));
        // To a file, not a pipe: a hung promtool then cannot also hang the read.
        Path log = Files.createTempFile("promtool", ".log");
        Process p =
                new ProcessBuilder(command)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(
                        "promtool " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(log));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
