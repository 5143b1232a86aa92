package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo's agent is a child process: it must end with the demo however the demo ends. */
@Timeout(120)
class DemoChildTest {

    private static final Path AGENT_JAR = Tools.ROOT.resolve("guest-agent/target/guest-agent.jar");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"KILL", "TERM", "INT"})
    void the_agent_child_ends_when_the_demo_gets(String signal) throws Exception {
        assertTrue(Files.isRegularFile(AGENT_JAR), "build the agent first: " + AGENT_JAR);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process demo = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CollectorMain.class.getName(), "demo", "--agent-jar", AGENT_JAR.toString(),
                "--shm", dir.resolve("registry").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("demo.out").toFile()).start();
        try {
            ProcessHandle agent = awaitChild(demo);
            Thread.sleep(500); // the agent is running, not only forked
            assertTrue(agent.isAlive());
            assertTrue(new ProcessBuilder("kill", "-" + signal, Long.toString(demo.pid())).start().waitFor() == 0);
            assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "the demo ended");
            assertTrue(agent.onExit().thenApply(p -> true).completeOnTimeout(false, 15, TimeUnit.SECONDS).get(),
                    "the agent (pid " + agent.pid() + ") ended with the demo after SIG" + signal);
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }

    private static ProcessHandle awaitChild(Process demo) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> child = demo.children().filter(c -> c.info().commandLine()
                    .map(cl -> cl.contains("guest-agent.jar")).orElse(false)).findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the demo started no agent; children: " + List.of(demo.children().toArray()));
    }
}
