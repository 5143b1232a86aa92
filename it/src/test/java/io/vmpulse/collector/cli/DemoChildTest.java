package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo's agent and exporter are child processes: they must end with the demo however the demo
 * ends, SIGKILL included. The demo runs as installed (its launcher execs the JVM, so the pid the
 * signal goes to is the demo itself).
 */
@Timeout(180)
class DemoChildTest {

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"KILL", "TERM", "INT"})
    void the_agent_and_exporter_children_end_when_the_demo_gets(String signal) throws Exception {
        Process demo =
                new ProcessBuilder(
                                DemoTest.INSTALL.resolve("vmpulse-collector").toString(),
                                "demo",
                                "--shm",
                                dir.resolve("registry").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("demo.out").toFile())
                        .start();
        try {
            ProcessHandle agent = awaitDescendant(demo, "guest-agent.jar");
            ProcessHandle exporter = awaitDescendant(demo, "vmpulse-exporter.jar");
            Thread.sleep(500); // running, not only forked
            assertTrue(agent.isAlive() && exporter.isAlive());
            assertTrue(
                    new ProcessBuilder("kill", "-" + signal, Long.toString(demo.pid()))
                                    .start()
                                    .waitFor()
                            == 0);
            assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "the demo ended");
            for (ProcessHandle child : List.of(agent, exporter)) {
                assertTrue(
                        child.onExit()
                                .thenApply(p -> true)
                                .completeOnTimeout(false, 15, TimeUnit.SECONDS)
                                .get(),
                        "the child "
                                + child.info().commandLine().orElse("pid " + child.pid())
                                + " ended with the demo after SIG"
                                + signal);
            }
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }

    /**
     * The child JVM whose command line names {@code jar} (a launcher execs it, setpriv before it).
     */
    private static ProcessHandle awaitDescendant(Process demo, String jar)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            var found =
                    demo.descendants()
                            .filter(
                                    c ->
                                            c.info()
                                                    .commandLine()
                                                    .map(cl -> cl.contains(jar))
                                                    .orElse(false))
                            .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(
                "the demo started no "
                        + jar
                        + "; descendants: "
                        + List.of(demo.descendants().toArray()));
    }
}
