package io.vmpulse.collector.vmtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion within a time bound; a failure carries its output. */
final class Exec {

    private Exec() {}

    static String run(List<String> command, int timeoutSeconds)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // Output is read after exit: every command here prints little, well under a pipe's buffer,
        // except build.sh, which is run with its output sent to a file.
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    String.join(" ", command) + ": still running after " + timeoutSeconds + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(
                    String.join(" ", command) + ": exit " + p.exitValue() + "\n" + out);
        }
        return out;
    }
}
