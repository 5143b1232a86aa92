package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.GUEST_SEQ;
import static io.vmpulse.registry.layout.RecordFields.MEM_TOTAL_BYTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.cli.CollectorMain;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `host-collector serve` as a real process, with a real agent and a descriptor file: a second
 * collector on the same registry is refused; after `kill -9` and a restart the registry is valid
 * again, the reader that held the old file notices and reopens, and the agent reconnects by itself
 * and continues its sequence.
 */
@Timeout(180)
class CollectorRestartTest {

    @TempDir Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void second_collector_is_refused_and_kill_9_then_restart_recovers_registry_readers_and_agent()
            throws Exception {
        Path registry = dir.resolve("registry");
        Path vms = Files.createDirectory(dir.resolve("vms.d"));
        Path config =
                Files.writeString(
                        dir.resolve("collector.json"),
                        "{\"registry\": {\"path\": \""
                                + registry
                                + "\", \"slots\": 4}, \"descriptorDir\": \""
                                + vms
                                + "\", \"controlSocket\": \""
                                + dir.resolve("control.sock")
                                + "\", \"intervalMs\": 200}");
        Files.writeString(
                vms.resolve("vm1.json"),
                "{\"id\": \"vm1\", \"hypervisor\": \"none\", \"guest\": "
                        + "{\"hybridVsock\": {\"udsPath\": \""
                        + dir.resolve("vm1.vsock")
                        + "\", \"port\": 1024}}}");

        Process first = serve(config, "first");
        awaitTrue(
                () -> Files.exists(registry) && Files.exists(dir.resolve("vm1.vsock_1024")),
                "collector up");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        processes.add(
                new ProcessBuilder(
                                java,
                                "-jar",
                                EndToEndTest.AGENT_JAR.toString(),
                                "--collector",
                                "unix://" + dir.resolve("vm1.vsock_1024"),
                                "--interval",
                                "200ms")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("agent.log").toFile())
                        .start());

        try (RegistryReader reader = RegistryReader.open(registry)) {
            long seqBefore = awaitSeq(reader, 3);

            Process second = serve(config, "second");
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second collector gives up");
            assertEquals(1, second.exitValue());
            String err = Files.readString(dir.resolve("second.log"));
            assertTrue(err.contains("in use by pid " + first.pid() + " ("), err);

            first.destroyForcibly().waitFor();
            serve(config, "third");
            awaitTrue(reader::isStale, "the reader notices the registry was replaced");
            assertTrue(reader.reopenIfReplaced());
            long seqAfter = awaitSeq(reader, seqBefore + 3);
            assertTrue(seqAfter > seqBefore, "the agent reconnected and continued its sequence");
            SlotSnapshot s = reader.newSnapshot();
            assertTrue(reader.read(0, s) || reader.read(1, s));
            assertTrue(s.sample().getLong(MEM_TOTAL_BYTES) > 0);
        }
    }

    private Process serve(Path config, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                CollectorMain.class.getName(),
                                "serve",
                                "--config",
                                config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(name + ".log").toFile())
                        .start();
        processes.add(p);
        return p;
    }

    /** The vm1 slot's guest seq once it reaches {@code atLeast}. */
    private static long awaitSeq(RegistryReader reader, long atLeast) throws Exception {
        SlotSnapshot s = reader.newSnapshot();
        long[] seq = {0};
        awaitTrue(
                () -> {
                    for (int i = 0; i < reader.slotCount(); i++) {
                        if (reader.read(i, s)
                                && "vm1".equals(s.vmId())
                                && s.sample().getLong(GUEST_SEQ) >= atLeast) {
                            seq[0] = s.sample().getLong(GUEST_SEQ);
                            return true;
                        }
                    }
                    return false;
                },
                "vm1 reaches seq " + atLeast);
        return seq[0];
    }

    private static void awaitTrue(java.util.function.BooleanSupplier ok, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 60 s");
            }
            Thread.sleep(50);
        }
    }
}
