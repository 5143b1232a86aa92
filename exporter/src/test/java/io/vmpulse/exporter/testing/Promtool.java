package io.vmpulse.exporter.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The real {@code promtool check metrics} (Debian package prometheus) on an exposition. */
public final class Promtool {

    /** Its verdict: exit code and everything it printed. */
    public record Result(int exit, String output) {}

    private Promtool() {}

    public static Result checkMetrics(byte[] exposition) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder("promtool", "check", "metrics")
                        .redirectErrorStream(true)
                        .start();
        Thread feeder =
                new Thread(
                        () -> {
                            try (OutputStream in = p.getOutputStream()) {
                                in.write(exposition);
                            } catch (IOException e) {
                                // promtool stopped reading: its exit code and output say why
                            }
                        });
        feeder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("promtool check metrics did not finish within 120 s");
        }
        feeder.join();
        return new Result(p.exitValue(), out);
    }
}
