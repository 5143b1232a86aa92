package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.cli.SlotJson;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.host.UnixHttpServer;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.testing.RegistrySlots;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Firecracker's API socket through the whole collector: a fixture API server on a real Unix socket
 * answers as Firecracker documents (src/firecracker/swagger/firecracker.yaml), and what it answers
 * is read back from the registry.
 */
@Timeout(60)
class FirecrackerApiThroughCollectorTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    /**
     * BalloonStats with every field firecracker.yaml lists; the sizes are in 4 KiB pages and MiB.
     */
    private static final String BALLOON_STATS =
            "{\"target_pages\":131072,\"actual_pages\":98304,"
                    + "\"target_mib\":512,\"actual_mib\":384,\"swap_in\":4096,\"swap_out\":8192,\"major_faults\":17,"
                    + "\"minor_faults\":52311,\"free_memory\":73400320,\"total_memory\":1073741824,"
                    + "\"available_memory\":314572800,\"disk_caches\":157286400,\"hugetlb_allocations\":0,"
                    + "\"hugetlb_failures\":0}";

    /** One flush's line: drive disk0 read 4096 bytes in 3 requests (BlockDeviceMetrics fields). */
    private static final String DISK0_FLUSH =
            "{\"utc_timestamp_ms\":1763800000000,\"block_disk0\":{\"read_bytes\":4096,"
                    + "\"write_bytes\":0,\"read_count\":3,\"write_count\":0}}\n";

    @TempDir Path dir;

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
    void balloon_statistics_from_the_api_socket_are_published_in_bytes_and_shown_by_dump()
            throws Exception {
        UnixHttpServer api =
                new UnixHttpServer(
                        dir.resolve("fc.api"),
                        r ->
                                "/balloon/statistics".equals(r.target())
                                        ? UnixHttpServer.json(200, BALLOON_STATS)
                                        : UnixHttpServer.json(400, "{\"fault_message\":\"no\"}"));
        servers.add(api);
        VmCatalog vms = startCollector();
        vms.register(
                firecracker("fc", dir.resolve("fc.api"), Optional.empty(), true), VmSource.API);

        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            VmRecord s = await(reader, "fc", u -> u.isPresent(RecordFlags.PRESENT_HOST_BALLOON));
            assertFalse(s.hasFlags(RecordFlags.FLAG_BALLOON_FAILING));
            assertEquals(131072L * 4096, s.getLong(BALLOON_TARGET_BYTES), "target_pages x 4 KiB");
            assertEquals(98304L * 4096, s.getLong(BALLOON_ACTUAL_BYTES), "actual_pages x 4 KiB");
            assertEquals(512L << 20, s.getLong(BALLOON_TARGET_BYTES), "agrees with target_mib");
            assertEquals(384L << 20, s.getLong(BALLOON_ACTUAL_BYTES), "agrees with actual_mib");
            assertEquals(73400320, s.getLong(BALLOON_FREE_BYTES));
            assertEquals(1073741824, s.getLong(BALLOON_TOTAL_BYTES));
            assertEquals(314572800, s.getLong(BALLOON_AVAILABLE_BYTES));

            StringBuilder dump = new StringBuilder();
            SlotJson.append(dump, reader.directory(), RegistrySlots.find(reader, "fc"));
            for (String field :
                    List.of(
                            "\"balloon_target_bytes\": 536870912",
                            "\"balloon_actual_bytes\": 402653184",
                            "\"balloon_free_bytes\": 73400320",
                            "\"balloon_total_bytes\": 1073741824",
                            "\"balloon_available_bytes\": 314572800")) {
                assertTrue(dump.indexOf(field) >= 0, field + " in dump --json: " + dump);
            }
        }
        assertTrue(
                api.requests.stream()
                        .allMatch(
                                r ->
                                        r.method().equals("GET")
                                                && r.target().equals("/balloon/statistics")),
                "no metrics file: only the balloon is asked for: " + api.requests);
    }

    @Test
    void the_configured_flush_interval_gates_flush_metrics_across_many_reads() throws Exception {
        Path metrics = Files.createFile(dir.resolve("fc.metrics"));
        // Like Firecracker: a FlushMetrics action writes one line of deltas before it is answered.
        UnixHttpServer api =
                new UnixHttpServer(
                        dir.resolve("fc.api"),
                        r -> {
                            Files.writeString(metrics, DISK0_FLUSH, StandardOpenOption.APPEND);
                            return UnixHttpServer.noContent();
                        });
        servers.add(api);
        Path config =
                Files.writeString(
                        dir.resolve("collector.json"),
                        "{\"registry\": {\"path\": \""
                                + dir.resolve("registry")
                                + "\", \"slots\": 2}, \"descriptorDir\": \"\", \"controlSocket\": \"\", "
                                + "\"intervalMs\": "
                                + INTERVAL.toMillis()
                                + ", \"firecrackerFlushMs\": 60000}");
        CollectorSettings settings = CollectorSettings.load(config);
        assertEquals(Duration.ofMinutes(1), settings.firecrackerFlush());
        VmCatalog vms = start(settings);
        vms.register(
                firecracker("fc", dir.resolve("fc.api"), Optional.of(metrics), false),
                VmSource.API);

        int reads = 0;
        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            VmRecord s = await(reader, "fc", u -> u.isPresent(RecordFlags.PRESENT_HOST_BLOCK));
            long lastRead = s.getLong(LAST_HOST_MONO_NS);
            while (reads < 25) {
                long previous = lastRead;
                s = await(reader, "fc", u -> u.getLong(LAST_HOST_MONO_NS) != previous);
                lastRead = s.getLong(LAST_HOST_MONO_NS);
                reads++;
            }
            assertEquals(4096, s.getLong(DISK_READ_BYTES), "one flush's deltas, never added again");
            assertEquals(3, s.getLong(DISK_READ_OPS));
        }
        assertEquals(
                1,
                api.requests.size(),
                "one FlushMetrics in a minute, over " + reads + " more reads: " + api.requests);
        assertEquals(
                "PUT /actions {\"action_type\":\"FlushMetrics\"}",
                api.requests.get(0).method()
                        + " "
                        + api.requests.get(0).target()
                        + " "
                        + api.requests.get(0).body());
    }

    @Test
    void a_flush_interval_outside_10_ms_to_60_s_is_a_config_error_naming_the_field()
            throws Exception {
        for (String value : List.of("5", "60001")) {
            Path config =
                    Files.writeString(
                            dir.resolve("bad.json"), "{\"firecrackerFlushMs\": " + value + "}");
            CollectorSettings.ConfigException e =
                    assertThrows(
                            CollectorSettings.ConfigException.class,
                            () -> CollectorSettings.load(config));
            assertEquals(
                    config
                            + ": field firecracker_flush_ms: "
                            + value
                            + " is outside 10..60000 (Firecracker "
                            + "flushes its metrics every 60 s on its own)",
                    e.getMessage());
        }
        Path empty = Files.writeString(dir.resolve("empty.json"), "{}");
        assertEquals(
                Duration.ofSeconds(1),
                CollectorSettings.load(empty).firecrackerFlush(),
                "the default");
        assertEquals(
                Duration.ofSeconds(1),
                CollectorSettings.load(
                                Tools.ROOT.resolve("host-collector/src/main/dist/collector.json"))
                        .firecrackerFlush(),
                "the shipped example");
    }

    // ---- harness ------------------------------------------------------------------------

    private VmCatalog startCollector() throws Exception {
        return start(
                CollectorSettings.registryOnly(
                        dir.resolve("registry"),
                        2,
                        INTERVAL,
                        Duration.ofSeconds(1),
                        GuestLimits.DEFAULT));
    }

    private VmCatalog start(CollectorSettings settings) throws Exception {
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        return vms;
    }

    private Vm firecracker(String id, Path api, Optional<Path> metrics, boolean balloon) {
        return new Vm(
                id,
                HypervisorKind.FIRECRACKER,
                OptionalInt.empty(),
                new GuestEndpoint.HybridVsock(dir.resolve(id + ".vsock"), 1024),
                List.of(),
                List.of(),
                new HostEndpoints(Optional.of(api), Optional.empty(), metrics),
                balloon,
                Optional.empty());
    }

    private static VmRecord await(RegistryReader r, String vm, Predicate<VmRecord> ok)
            throws InterruptedException {
        return RegistrySlots.await(r, vm, Duration.ofSeconds(20), ok);
    }
}
