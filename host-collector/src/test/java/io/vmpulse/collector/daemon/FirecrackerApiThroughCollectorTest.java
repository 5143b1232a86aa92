package io.vmpulse.collector.daemon;

import static io.vmpulse.collector.sample.SampleFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.UnixHttpServer;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.sample.SampleFlags;
import io.vmpulse.collector.sample.UnifiedSample;
import io.vmpulse.collector.shm.RegistryReader;
import io.vmpulse.collector.shm.SlotJson;
import io.vmpulse.collector.shm.SlotSnapshot;
import io.vmpulse.collector.vm.GuestEndpoint;
import io.vmpulse.collector.vm.HostEndpoints;
import io.vmpulse.collector.vm.HypervisorKind;
import io.vmpulse.collector.vm.Vm;
import io.vmpulse.collector.vm.VmRegistry;
import io.vmpulse.collector.vm.VmSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Firecracker's API socket through the whole collector: a fixture API server on a real Unix
 * socket answers as Firecracker documents (src/firecracker/swagger/firecracker.yaml), and what it
 * answers is read back from the registry.
 */
@Timeout(60)
class FirecrackerApiThroughCollectorTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    /** BalloonStats with every field firecracker.yaml lists; the sizes are in 4 KiB pages and MiB. */
    private static final String BALLOON_STATS = "{\"target_pages\":131072,\"actual_pages\":98304,"
            + "\"target_mib\":512,\"actual_mib\":384,\"swap_in\":4096,\"swap_out\":8192,\"major_faults\":17,"
            + "\"minor_faults\":52311,\"free_memory\":73400320,\"total_memory\":1073741824,"
            + "\"available_memory\":314572800,\"disk_caches\":157286400,\"hugetlb_allocations\":0,"
            + "\"hugetlb_failures\":0}";

    @TempDir
    Path dir;

    private Collector collector;
    private final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (collector != null) {
            collector.close();
        }
        for (AutoCloseable s : servers) {
            s.close();
        }
    }

    @Test
    void balloon_statistics_from_the_api_socket_are_published_in_bytes_and_shown_by_dump() throws Exception {
        UnixHttpServer api = new UnixHttpServer(dir.resolve("fc.api"), r -> "/balloon/statistics".equals(r.target())
                ? UnixHttpServer.json(200, BALLOON_STATS) : UnixHttpServer.json(400, "{\"fault_message\":\"no\"}"));
        servers.add(api);
        VmRegistry vms = startCollector();
        vms.register(firecracker("fc", dir.resolve("fc.api"), Optional.empty(), true), VmSource.API);

        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            UnifiedSample s = await(reader, "fc", u -> u.isPresent(SampleFlags.PRESENT_HOST_BALLOON));
            assertFalse(s.hasFlags(SampleFlags.FLAG_BALLOON_FAILING));
            assertEquals(131072L * 4096, s.getLong(BALLOON_TARGET_BYTES), "target_pages x 4 KiB");
            assertEquals(98304L * 4096, s.getLong(BALLOON_ACTUAL_BYTES), "actual_pages x 4 KiB");
            assertEquals(512L << 20, s.getLong(BALLOON_TARGET_BYTES), "agrees with target_mib");
            assertEquals(384L << 20, s.getLong(BALLOON_ACTUAL_BYTES), "agrees with actual_mib");
            assertEquals(73400320, s.getLong(BALLOON_FREE_BYTES));
            assertEquals(1073741824, s.getLong(BALLOON_TOTAL_BYTES));
            assertEquals(314572800, s.getLong(BALLOON_AVAILABLE_BYTES));

            StringBuilder dump = new StringBuilder();
            SlotJson.append(dump, reader.directory(), find(reader, "fc"));
            for (String field : List.of("\"balloon_target_bytes\": 536870912", "\"balloon_actual_bytes\": 402653184",
                    "\"balloon_free_bytes\": 73400320", "\"balloon_total_bytes\": 1073741824",
                    "\"balloon_available_bytes\": 314572800")) {
                assertTrue(dump.indexOf(field) >= 0, field + " in dump --json: " + dump);
            }
        }
        assertTrue(api.requests.stream().allMatch(r -> r.method().equals("GET") && r.target().equals("/balloon/statistics")),
                "no metrics file: only the balloon is asked for: " + api.requests);
    }

    // ---- harness ------------------------------------------------------------------------

    private VmRegistry startCollector() throws Exception {
        CollectorSettings settings = new CollectorSettings(dir.resolve("registry"), 2, null, Optional.empty(),
                Optional.empty(), 0, false, INTERVAL, Duration.ofSeconds(1), GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmRegistry vms = new VmRegistry();
        vms.addListener(collector);
        return vms;
    }

    private Vm firecracker(String id, Path api, Optional<Path> metrics, boolean balloon) {
        return new Vm(id, HypervisorKind.FIRECRACKER, OptionalInt.empty(),
                new GuestEndpoint.HybridVsock(dir.resolve(id + ".vsock"), 1024), List.of(), List.of(),
                new HostEndpoints(Optional.of(api), Optional.empty(), metrics), balloon, Optional.empty());
    }

    private static SlotSnapshot find(RegistryReader r, String vm) {
        SlotSnapshot s = r.newSnapshot();
        for (int i = 0; i < r.slotCount(); i++) {
            if (r.read(i, s) && !s.isFree() && vm.equals(s.vmId())) {
                return s;
            }
        }
        return null;
    }

    private static UnifiedSample await(RegistryReader r, String vm, Predicate<UnifiedSample> ok) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            SlotSnapshot s = find(r, vm);
            if (s != null && ok.test(s.sample())) {
                return s.sample();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("slot of " + vm + " never reached the expected state within 20 s");
    }
}
