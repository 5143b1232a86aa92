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
 * A Firecracker VM registered before its VMM has named its vCPU threads, through the whole
 * collector: its slot must say "vCPU failing" (count 0, not present) while no thread is named,
 * never "present with 0 vCPUs", and must publish the exact count once the threads are named, a
 * second thread named later included (found by the periodic rescan).
 */
@Timeout(60)
class LateVcpuThreadsTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    @TempDir Path dir;

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
    }

    @Test
    void vcpu_source_fails_until_the_threads_are_named_then_publishes_their_exact_count()
            throws Exception {
        // Two threads that keep the process's name: created, not named yet.
        child =
                new ProcessBuilder(NativeHelper.compile("named_threads").toString(), "-", "-")
                        .redirectErrorStream(true)
                        .start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
        assertEquals("ready", out.readLine());

        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        dir.resolve("registry"),
                        2,
                        INTERVAL,
                        Duration.ofSeconds(1),
                        GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        vms.register(
                new Vm(
                        "fc",
                        HypervisorKind.FIRECRACKER,
                        OptionalInt.of((int) child.pid()),
                        new GuestEndpoint.HybridVsock(dir.resolve("fc.vsock"), 1024),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty()),
                VmSource.API);

        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            // Well past the rescan period (10 reads): every one of these samples must say failing.
            // Counted in host reads, not wall time, so that a loaded machine only makes it slower.
            int reads = 15;
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int seen = 0;
            long lastRead = 0;
            while (seen < reads && System.nanoTime() < until) {
                VmRecord s = await(reader, u -> u.isPresent(RecordFlags.PRESENT_HOST_PROCESS));
                if (s.getLong(LAST_HOST_MONO_NS) != lastRead) {
                    lastRead = s.getLong(LAST_HOST_MONO_NS);
                    seen++;
                    assertFalse(
                            s.isPresent(RecordFlags.PRESENT_HOST_VCPU),
                            "no vCPU thread is named yet");
                    assertTrue(
                            s.hasFlags(RecordFlags.FLAG_VCPU_FAILING),
                            "a VM without vCPU threads is failing");
                    assertEquals(0, s.getUnsignedInt(VCPU_COUNT));
                }
                Thread.sleep(10);
            }
            assertTrue(
                    seen >= reads,
                    "host half published on every read while unnamed, saw " + seen + " in 30 s");

            assertEquals("named 0", command(in, out, "name 0 fc_vcpu 0"));
            VmRecord one = await(reader, u -> u.isPresent(RecordFlags.PRESENT_HOST_VCPU));
            assertEquals(
                    1,
                    one.getUnsignedInt(VCPU_COUNT),
                    "found at the next read: the reader looks at once");
            assertFalse(one.hasFlags(RecordFlags.FLAG_VCPU_FAILING));

            assertEquals("named 1", command(in, out, "name 1 fc_vcpu 1"));
            VmRecord two = await(reader, u -> u.getUnsignedInt(VCPU_COUNT) != 1);
            assertEquals(
                    2,
                    two.getUnsignedInt(VCPU_COUNT),
                    "the second thread found by the periodic rescan");
            assertTrue(two.isPresent(RecordFlags.PRESENT_HOST_VCPU));
            assertFalse(two.hasFlags(RecordFlags.FLAG_VCPU_FAILING));
            assertTrue(
                    two.getLong(VCPU_RUN_NS_EACH, 0) > 0 && two.getLong(VCPU_RUN_NS_EACH, 1) > 0,
                    "both threads burn CPU");
            assertEquals(
                    two.getLong(VCPU_RUN_NS_EACH, 0) + two.getLong(VCPU_RUN_NS_EACH, 1),
                    two.getLong(VCPU_RUN_NS));
        }
    }

    private static String command(Writer in, BufferedReader out, String command) throws Exception {
        in.write(command + "\n");
        in.flush();
        return out.readLine();
    }

    private static VmRecord await(RegistryReader r, Predicate<VmRecord> ok)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        SlotSnapshot s = r.newSnapshot();
        while (System.nanoTime() < deadline) {
            if (r.read(0, s) && "fc".equals(s.vmId()) && ok.test(s.sample())) {
                return s.sample();
            }
            Thread.sleep(10);
        }
        throw new AssertionError(
                "slot of fc never reached the expected state within 20 s; last: vCPU present "
                        + s.sample().isPresent(RecordFlags.PRESENT_HOST_VCPU)
                        + ", failing "
                        + s.sample().hasFlags(RecordFlags.FLAG_VCPU_FAILING)
                        + ", count "
                        + s.sample().getUnsignedInt(VCPU_COUNT));
    }
}
