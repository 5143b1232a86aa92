package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent as a real process, signalled while it sleeps between samples of a one-hour interval: it
 * catches SIGTERM and SIGINT itself (the launcher runs the JVM with {@code -Xrs}, so the JVM does
 * not), ends the sleep at once, half-closes its call and exits with 128 + the signal. Run with and
 * without {@code -Xrs}: the agent's handling must not depend on which.
 */
@Timeout(120)
class TerminationSignalTest {

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-Xrs", "-Xrs -XX:+DisableAttachMechanism", "-Xshare:auto"})
    void sigterm_while_sleeping_ends_the_sleep_and_half_closes_the_call(String jvmFlags)
            throws Exception {
        assertCleanExitOn("TERM", 143, jvmFlags);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xrs"})
    void sigint_while_sleeping_ends_the_sleep_and_half_closes_the_call(String jvmFlags)
            throws Exception {
        assertCleanExitOn("INT", 130, jvmFlags);
    }

    private void assertCleanExitOn(String signal, int status, String jvmFlags) throws Exception {
        Path socket = dir.resolve("collector.sock");
        try (RecordingCollector collector = new RecordingCollector(socket).start()) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(jvmFlags.split(" ")));
            command.addAll(
                    List.of(
                            "-cp",
                            Path.of(
                                            ReportingAgent.class
                                                    .getProtectionDomain()
                                                    .getCodeSource()
                                                    .getLocation()
                                                    .toURI())
                                    .toString(),
                            "io.vmpulse.agent.cli.AgentMain",
                            "--collector",
                            "unix://" + socket,
                            "--interval",
                            "1h"));
            Process agent =
                    new ProcessBuilder(command)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(dir.resolve("agent.log").toFile())
                            .start();
            try {
                // The first sample is taken at once; then the agent sleeps for an hour.
                collector.awaitSamples(s -> !s.isEmpty(), Duration.ofSeconds(60));
                Thread.sleep(200);
                new ProcessBuilder("kill", "-" + signal, Long.toString(agent.pid()))
                        .inheritIO()
                        .start()
                        .waitFor();
                assertTrue(
                        agent.waitFor(20, TimeUnit.SECONDS),
                        "the agent was still running 20 s after SIG" + signal);
                assertEquals(status, agent.exitValue(), "exit status after SIG" + signal);
                assertTrue(
                        collector.awaitHalfClose(Duration.ofSeconds(5)),
                        "the agent ended without half-closing its call");
                assertEquals(1, collector.samples().size(), "one sample, taken before the sleep");
            } finally {
                agent.destroyForcibly().waitFor();
            }
        }
    }
}
