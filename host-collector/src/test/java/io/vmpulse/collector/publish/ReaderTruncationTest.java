package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.cli.CollectorMain;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.RegistryTruncatedException;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The registry file cut short or deleted while a reader is in the middle of reading it, each reader
 * as a real separate process: the C dump tool and the Python reader in their --check loop (which
 * reads every live slot over and over), the Java reader as `host-collector top`. Touching a
 * truncated page would kill them with SIGBUS; each must instead stop with a clear message (or, for
 * a deleted file, which stays readable, go on or stop cleanly).
 */
@Timeout(180)
class ReaderTruncationTest {

    /** The exit status Java reports for a process killed by SIGBUS. */
    private static final int KILLED_BY_SIGBUS = 128 + 7;

    enum Reader {
        C,
        PYTHON,
        JAVA
    }

    @TempDir Path dir;

    private Path registry;
    private RegistryWriter writer;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void publish() throws Exception {
        registry = dir.resolve("registry");
        writer = RegistryWriter.create(new RegistryOptions(registry, 4, null));
        for (String vm : List.of("vm-a", "vm-b")) {
            VmRecord r = new VmRecord();
            SamplePattern.fillText(r, vm);
            SamplePattern.fillNumbers(r, 7);
            writer.publish(writer.claim(vm), r);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
        writer.close();
    }

    /** Starts the reader reading in a loop; returns once it has read the file at least once. */
    private Process startReading(Reader reader) throws Exception {
        List<String> cmd =
                switch (reader) {
                    case C ->
                            List.of(
                                    Tools.cDump(dir).toString(),
                                    "--check",
                                    "100",
                                    registry.toString());
                    case PYTHON -> Tools.python("--check", "100", registry.toString());
                    case JAVA ->
                            List.of(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    CollectorMain.class.getName(),
                                    "top",
                                    "--shm",
                                    registry.toString(),
                                    "--iterations",
                                    "100");
                };
        Process p = new ProcessBuilder(cmd).start();
        processes.add(p);
        if (reader == Reader.JAVA) {
            // The first frame is drawn: the reader has mapped the file and read its slots.
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.contains("vm-b")) {
                // header lines first
            }
            assertTrue(line != null, "top drew a frame with vm-b");
            drain(out);
        } else {
            Thread.sleep(1500); // --check prints only at its end; give it time to map and loop
            assertTrue(p.isAlive(), "the reader is reading");
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    void a_registry_truncated_mid_read_ends_the_reader_with_a_clear_error_not_sigbus(Reader reader)
            throws Exception {
        Process p = startReading(reader);
        try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.WRITE)) {
            ch.truncate(RegistryLayout.PAGE_SIZE);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), reader + " stopped");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.exitValue() != KILLED_BY_SIGBUS, reader + " was killed by SIGBUS: " + err);
        assertEquals(1, p.exitValue(), err);
        assertTrue(
                err.contains(
                        "registry "
                                + registry
                                + " was truncated to "
                                + RegistryLayout.PAGE_SIZE
                                + " bytes while being read"),
                reader + " said: " + err);
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    void a_registry_deleted_mid_read_is_reported_and_never_crashes_the_reader(Reader reader)
            throws Exception {
        Process p = startReading(reader);
        Files.delete(registry);
        if (reader == Reader.JAVA) {
            // top keeps its last frame (the deleted file stays mapped) and says it cannot reopen.
            Thread.sleep(2500);
            assertTrue(p.isAlive(), "top goes on");
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            return;
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), reader + " stopped");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(
                err.contains("registry " + registry + " was deleted or replaced while being read"),
                reader + " said: " + err);
    }

    @Test
    void java_reader_checks_the_size_before_touching_a_slot() throws Exception {
        try (RegistryReader r = RegistryReader.open(registry)) {
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(0, s));
            long size = Files.size(registry);
            try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.WRITE)) {
                ch.truncate(size - RegistryLayout.SLOT_SIZE);
            }
            RegistryTruncatedException e =
                    assertThrows(RegistryTruncatedException.class, () -> r.read(0, s));
            assertEquals(
                    "registry "
                            + registry
                            + " was truncated to "
                            + (size - RegistryLayout.SLOT_SIZE)
                            + " bytes while being read (it needs "
                            + size
                            + "); it is damaged: reopen it once a collector has rebuilt it",
                    e.getMessage());
            assertThrows(RegistryTruncatedException.class, () -> r.forEachLive(s, x -> {}));
        }
    }

    /** Keeps reading a child's stdout so that it never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        CompletableFuture.runAsync(
                () -> {
                    try {
                        while (out.readLine() != null) {
                            // discard
                        }
                    } catch (Exception e) {
                        // the process ended
                    }
                });
    }
}
