package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.testing.NativeHelper;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block fallback for a VMM that offers no device counters (libkrun): {@code /proc/PID/io} of a
 * real child that moves known bytes through a real file with O_DIRECT, read by the whole collector
 * and checked in the registry against the same file read independently.
 */
@Timeout(60)
class ProcIoFallbackTest {

    private static final long WRITTEN = 4L << 20;
    private static final long READ = 2L << 20;

    /**
     * Inside the module's target directory: a disk-backed filesystem, where O_DIRECT reaches
     * storage.
     */
    private final Path dir = Path.of("target", "proc-io-test").toAbsolutePath();

    @TempDir Path sockets;

    private Collector collector;
    private Process child;

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        if (collector != null) {
            collector.close();
        }
        Files.deleteIfExists(dir.resolve("data"));
    }

    @Test
    void
            storage_bytes_of_a_real_vmm_are_published_from_proc_pid_io_and_its_operation_counts_as_absent()
                    throws Exception {
        Files.createDirectories(dir);
        child =
                new ProcessBuilder(NativeHelper.compile("direct_io").toString())
                        .redirectErrorStream(true)
                        .start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
        assertEquals("ready", out.readLine());

        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        sockets.resolve("registry"),
                        2,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1),
                        GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        vms.register(
                new Vm(
                        "krun",
                        HypervisorKind.LIBKRUN,
                        OptionalInt.of((int) child.pid()),
                        new GuestEndpoint.LibkrunSocket(sockets.resolve("krun.sock")),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty()),
                VmSource.API);

        try (RegistryReader reader = RegistryReader.open(sockets.resolve("registry"))) {
            long[] before = procIo(child.pid());
            VmRecord s =
                    await(
                            reader,
                            u ->
                                    u.isPresent(RecordFlags.PRESENT_HOST_BLOCK)
                                            && u.getLong(DISK_READ_BYTES) == before[0]
                                            && u.getLong(DISK_WRITE_BYTES) == before[1]);

            command(in, out, "write " + dir.resolve("data") + " " + WRITTEN);
            command(in, out, "read " + dir.resolve("data") + " " + READ);
            long[] after = procIo(child.pid());
            assertTrue(
                    after[0] - before[0] >= READ,
                    "read_bytes grew by what was read: " + (after[0] - before[0]));
            assertTrue(
                    after[1] - before[1] >= WRITTEN,
                    "write_bytes grew by what was written: " + (after[1] - before[1]));

            // The child is idle now: the published counters must equal /proc/PID/io exactly.
            s =
                    await(
                            reader,
                            u ->
                                    u.getLong(DISK_READ_BYTES) == after[0]
                                            && u.getLong(DISK_WRITE_BYTES) == after[1]
                                            && u.getDouble(DISK_READ_BYTES_PER_S) == 0.0);
            assertTrue(s.isPresent(RecordFlags.PRESENT_HOST_BLOCK));
            assertFalse(s.hasFlags(RecordFlags.FLAG_BLOCK_FAILING));
            assertFalse(
                    s.isPresent(RecordFlags.PRESENT_HOST_DISK_OPS),
                    "/proc/PID/io counts no block operations");
            assertEquals(0, s.getLong(DISK_READ_OPS));
            assertEquals(0, s.getLong(DISK_WRITE_OPS));
            assertEquals(0.0, s.getDouble(DISK_READ_OPS_PER_S));
            assertEquals(0.0, s.getDouble(DISK_WRITE_OPS_PER_S));
            assertEquals(
                    0,
                    s.getUnsignedInt(DISK_COUNT),
                    "the VMM process's I/O is no one drive's: no per-drive entry");
            assertEquals("", s.getString(DISK_NAME, 0));
        }
    }

    /** Sends one command to the child and waits for it to finish. */
    private static void command(Writer in, BufferedReader out, String command) throws Exception {
        in.write(command + "\n");
        in.flush();
        assertEquals("done", out.readLine(), command);
    }

    /** read_bytes and write_bytes of /proc/PID/io, read here independently of the collector. */
    private static long[] procIo(long pid) throws Exception {
        long[] v = {-1, -1};
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (line.startsWith("read_bytes: ")) {
                v[0] = Long.parseLong(line.substring("read_bytes: ".length()));
            } else if (line.startsWith("write_bytes: ")) {
                v[1] = Long.parseLong(line.substring("write_bytes: ".length()));
            }
        }
        assertTrue(v[0] >= 0 && v[1] >= 0, "both counters in /proc/" + pid + "/io");
        return v;
    }

    private VmRecord await(RegistryReader r, Predicate<VmRecord> ok) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        SlotSnapshot s = r.newSnapshot();
        while (System.nanoTime() < deadline) {
            if (r.read(0, s) && "krun".equals(s.vmId()) && ok.test(s.sample())) {
                return s.sample();
            }
            Thread.sleep(10);
        }
        throw new AssertionError(
                "slot of krun never reached the expected state within 20 s; last: block present "
                        + s.sample().isPresent(RecordFlags.PRESENT_HOST_BLOCK)
                        + ", read "
                        + s.sample().getLong(DISK_READ_BYTES)
                        + ", written "
                        + s.sample().getLong(DISK_WRITE_BYTES));
    }
}
