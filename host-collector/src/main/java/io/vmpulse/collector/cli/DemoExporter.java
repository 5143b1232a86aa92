package io.vmpulse.collector.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The demo's exporter: a separate process on the demo's registry, as an install runs it. */
final class DemoExporter {

    /**
     * The exporter's first line names where it serves: "... serving http://HOST:PORT/metrics from
     * ...".
     */
    private static final Pattern SERVING = Pattern.compile("serving (https?://\\S+/metrics)");

    private DemoExporter() {}

    static List<String> command(Path launcher, Path registry, String listen) {
        return List.of(
                launcher.toString(),
                "--registry",
                registry.toString(),
                "--web.listen-address",
                listen);
    }

    static Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", Siblings.javaHome());
        return pb.start();
    }

    /**
     * The URL the exporter says it serves, once it says so.
     *
     * @throws IOException when it exits first or says nothing within {@code timeout}, naming its
     *     log
     */
    static String awaitUrl(Process exporter, Path log, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text;
            try {
                text = Files.readString(log, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                text = "";
            }
            Matcher m = SERVING.matcher(text);
            if (m.find()) {
                return m.group(1);
            }
            if (!exporter.isAlive()) {
                throw new IOException(
                        "the exporter exited with "
                                + exporter.exitValue()
                                + " before serving; see "
                                + log);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(
                        "the exporter did not start serving within "
                                + timeout.toSeconds()
                                + " s; see "
                                + log);
            }
            Thread.sleep(100);
        }
    }
}
