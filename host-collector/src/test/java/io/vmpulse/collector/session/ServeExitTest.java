package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.cli.CollectorMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `host-collector serve` as a real process whose registry is deleted under it: it does not go on
 * publishing into a file no reader can find (with a heartbeat saying all is well); it says why and
 * exits 1, so that systemd restarts it and the restart builds a new registry.
 */
@Timeout(120)
class ServeExitTest {

    @TempDir Path dir;

    @Test
    void serve_exits_1_with_the_reason_when_its_registry_is_deleted() throws Exception {
        Path registry = dir.resolve("run/registry");
        Path config =
                Files.writeString(
                        dir.resolve("collector.json"),
                        "{\"registry\": {\"path\": \""
                                + registry
                                + "\", \"slots\": 2}, \"descriptorDir\": \"\", \"controlSocket\": \"\", \"intervalMs\": 100}");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("serve.log");
        Process serve =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                CollectorMain.class.getName(),
                                "serve",
                                "--config",
                                config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(registry) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(registry), "serve created its registry");
            Files.delete(registry);
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve exits");
            assertEquals(1, serve.exitValue());
            String out = Files.readString(log);
            assertTrue(
                    out.contains(
                            "error: registry "
                                    + registry
                                    + " was deleted under the collector; exiting so that a "
                                    + "restart rebuilds the registry"),
                    out);
        } finally {
            serve.destroyForcibly().waitFor();
        }
    }
}
