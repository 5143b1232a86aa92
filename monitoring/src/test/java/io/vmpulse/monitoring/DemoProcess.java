package io.vmpulse.monitoring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's demo ({@code vmpulse-collector demo}, from the installed layout) as a child process
 * with its own registry file, and the URL of the exporter's /metrics that it prints. Stops by
 * itself after the given duration; {@link #close} stops it sooner, with the agent it started.
 */
final class DemoProcess implements AutoCloseable {

    private static final Pattern METRICS_URL =
            Pattern.compile("https?://[^\\s\\u001b\"'<>]+/metrics\\b");

    /** Enough of the live table to show why a start failed, without growing for the whole run. */
    private static final int KEPT_OUTPUT = 16 * 1024;

    private final Process process;
    private final Path shm;
    private final StringBuilder output = new StringBuilder();
    private URI metricsUrl;

    private DemoProcess(Process process, Path shm) {
        this.process = process;
        this.shm = shm;
        Thread reader = new Thread(() -> drain(process.getInputStream()), "demo-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param launcher the installed {@code vmpulse-collector}, which runs the JVM of this test
     */
    static DemoProcess start(Path launcher, Duration duration) throws IOException {
        Path shm =
                Path.of(
                        "/dev/shm/vmpulse-monitoring-test-"
                                + ProcessHandle.current().pid()
                                + "-"
                                + System.nanoTime());
        ProcessBuilder pb =
                new ProcessBuilder(
                                launcher.toString(),
                                "demo",
                                "--shm",
                                shm.toString(),
                                "--duration",
                                duration.toSeconds() + "s")
                        .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return new DemoProcess(pb.start(), shm);
    }

    /**
     * Waits for the demo to print its exporter's /metrics URL; fails with the demo's output if it
     * does not.
     */
    synchronized URI awaitMetricsUrl(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (metricsUrl == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && metricsUrl == null)) {
                throw new AssertionError(
                        "the demo printed no /metrics URL within "
                                + timeout.toSeconds()
                                + " s"
                                + (process.isAlive()
                                        ? ""
                                        : " (it exited with " + process.exitValue() + ")")
                                + "; `demo` must start the exporter and print its URL (issue 12). Its output:\n"
                                + output());
            }
            wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
        }
        return metricsUrl;
    }

    synchronized String output() {
        return output.toString();
    }

    private void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (this) {
                    output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (metricsUrl == null) {
                        Matcher m = METRICS_URL.matcher(output);
                        if (m.find()) {
                            metricsUrl = URI.create(m.group());
                        }
                    }
                    if (output.length() > 2 * KEPT_OUTPUT) {
                        output.delete(0, output.length() - KEPT_OUTPUT);
                    }
                    notifyAll();
                }
            }
        } catch (IOException ignored) {
            // The demo closed its output: it has exited, which awaitMetricsUrl reports.
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        // The demo stops its agent on SIGTERM; the agent is killed here too in case the demo
        // cannot.
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
        Files.deleteIfExists(shm);
    }
}
