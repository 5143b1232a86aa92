package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.registry.layout.RegistryLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's heartbeat tells readers the collector works: it must stop when the data path does.
 * A merge thread that dies, and a registry file deleted or truncated under the collector, each stop
 * the heartbeat and fail the collector with the reason ({@code serve} exits with it).
 */
@Timeout(60)
class CollectorHealthTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    @TempDir Path dir;

    private Collector collector;
    private Path registry;

    @BeforeEach
    void start() throws Exception {
        registry = dir.resolve("registry");
        collector =
                Collector.start(
                        CollectorSettings.registryOnly(
                                registry, 2, INTERVAL, Duration.ofSeconds(1), GuestLimits.DEFAULT),
                        HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        // A VM with no guest and no host sources: the timer publishes its (empty) host half every
        // interval.
        vms.register(
                new Vm(
                        "quiet",
                        HypervisorKind.NONE,
                        OptionalInt.empty(),
                        new GuestEndpoint.HybridVsock(dir.resolve("quiet.vsock"), 1024),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty()),
                VmSource.API);
        long first = heartbeat();
        awaitTrue(() -> heartbeat() > first + 2, "the heartbeat advances while all is well");
    }

    @AfterEach
    void stop() {
        collector.close();
    }

    @Test
    void a_merge_thread_that_dies_stops_the_heartbeat_and_fails_the_collector() throws Exception {
        collector
                .mergePool()
                .execute(
                        () -> {
                            throw new InternalError(
                                    "a fault occurred in an unsafe memory access operation (test)");
                        });
        String why = collector.failure().get(10, TimeUnit.SECONDS);
        assertTrue(
                why.matches(
                        "thread vmpulse-merge-\\d+ died: java.lang.InternalError: a fault occurred.*"),
                why);
        assertHeartbeatStopped();
    }

    @Test
    void a_registry_truncated_under_the_collector_stops_the_heartbeat_and_fails_it()
            throws Exception {
        long size = Files.size(registry);
        try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.WRITE)) {
            ch.truncate(RegistryLayout.PAGE_SIZE); // the header stays readable; the slots are gone
        }
        String why = collector.failure().get(10, TimeUnit.SECONDS);
        assertEquals(
                "registry "
                        + registry
                        + " was truncated to "
                        + RegistryLayout.PAGE_SIZE
                        + " bytes under the collector (it needs "
                        + size
                        + ")",
                why);
        assertHeartbeatStopped();
    }

    @Test
    void a_registry_deleted_under_the_collector_fails_it() throws Exception {
        FileChannel held = FileChannel.open(registry, StandardOpenOption.READ);
        Files.delete(registry);
        String why = collector.failure().get(10, TimeUnit.SECONDS);
        assertEquals("registry " + registry + " was deleted under the collector", why);
        // The deleted file's heartbeat (still readable through a descriptor) has stopped as well.
        long before = heartbeat(held);
        Thread.sleep(5 * INTERVAL.toMillis());
        assertEquals(before, heartbeat(held));
        held.close();
    }

    private void assertHeartbeatStopped() throws Exception {
        long before = heartbeat();
        Thread.sleep(5 * INTERVAL.toMillis()); // the timer ticks every interval / 4
        assertEquals(before, heartbeat(), "no heartbeat once the data path has stopped");
    }

    private long heartbeat() throws Exception {
        try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.READ)) {
            return heartbeat(ch);
        }
    }

    private static long heartbeat(FileChannel ch) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, RegistryLayout.HEARTBEAT_COUNT_OFFSET);
        return b.getLong(0);
    }

    private static void awaitTrue(java.util.concurrent.Callable<Boolean> c, String what)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (c.call()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out: " + what);
    }
}
