package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.host.UnixHttpServer;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.testing.RegistrySlots;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * Issue 4 §7, "never block other VMs", through the whole collector: thirty VMMs whose API or QMP
 * sockets accept and never answer, next to a Cloud Hypervisor VM whose API answers. With the
 * default 200 ms socket timeout and its backoff of ten timeouts, the hung ones would cost the merge
 * threads 3 s of waiting every 2 s if they waited themselves.
 */
@Timeout(120)
class HungSocketsTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final int HUNG_EACH_KIND = 15;
    private static final String COUNTERS =
            "{\"_disk0\":{\"read_bytes\":1048576,\"write_bytes\":4096,"
                    + "\"read_ops\":256,\"write_ops\":1}}";

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
    void hung_api_and_qmp_sockets_are_marked_failing_and_a_healthy_vm_keeps_its_cadence()
            throws Exception {
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        dir.resolve("registry"),
                        2 * HUNG_EACH_KIND + 1,
                        INTERVAL,
                        Duration.ofSeconds(1),
                        GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);

        HungServers hung = new HungServers();
        servers.add(hung);
        List<String> hungIds = new ArrayList<>();
        for (int i = 0; i < HUNG_EACH_KIND; i++) {
            Path api = hung.listen(dir.resolve("ch" + i + ".api"));
            Path qmp = hung.listen(dir.resolve("qemu" + i + ".qmp"));
            vms.register(
                    vm(
                            "ch" + i,
                            HypervisorKind.CLOUD_HYPERVISOR,
                            Optional.of(api),
                            Optional.empty()),
                    VmSource.API);
            vms.register(
                    vm("qemu" + i, HypervisorKind.QEMU, Optional.empty(), Optional.of(qmp)),
                    VmSource.API);
            hungIds.add("ch" + i);
            hungIds.add("qemu" + i);
        }
        UnixHttpServer api =
                new UnixHttpServer(
                        dir.resolve("healthy.api"), r -> UnixHttpServer.json(200, COUNTERS));
        servers.add(api);
        vms.register(
                vm(
                        "healthy",
                        HypervisorKind.CLOUD_HYPERVISOR,
                        Optional.of(dir.resolve("healthy.api")),
                        Optional.empty()),
                VmSource.API);

        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            for (String id : hungIds) {
                VmRecord s = await(reader, id, u -> u.hasFlags(RecordFlags.FLAG_BLOCK_FAILING));
                assertTrue(!s.isPresent(RecordFlags.PRESENT_HOST_BLOCK), id);
            }
            assertTrue(
                    hung.accepted() >= hungIds.size(),
                    "every hung VMM was asked: " + hung.accepted());
            await(reader, "healthy", u -> u.isPresent(RecordFlags.PRESENT_HOST_BLOCK));

            // Watch the healthy VM for 3 s while the hung ones keep timing out and being retried.
            long maxGap = 0;
            long lastPublished = 0;
            int publications = 0;
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                SlotSnapshot s = RegistrySlots.find(reader, "healthy");
                long published = s.sample().getLong(LAST_HOST_MONO_NS);
                if (published != lastPublished) {
                    if (lastPublished != 0) {
                        maxGap = Math.max(maxGap, published - lastPublished);
                    }
                    lastPublished = published;
                    publications++;
                    assertTrue(
                            s.sample().isPresent(RecordFlags.PRESENT_HOST_BLOCK),
                            "healthy block source present");
                    assertEquals(1048576, s.sample().getLong(DISK_READ_BYTES));
                    assertEquals(256, s.sample().getLong(DISK_READ_OPS));
                }
                Thread.sleep(5);
            }
            maxGap = Math.max(maxGap, System.nanoTime() - lastPublished);
            assertTrue(
                    maxGap <= 3 * INTERVAL.toNanos(),
                    "the healthy VM went "
                            + maxGap / 1_000_000
                            + " ms without a publication (interval "
                            + INTERVAL.toMillis()
                            + " ms); "
                            + publications
                            + " in 3 s");
        }
    }

    private Vm vm(String id, HypervisorKind kind, Optional<Path> api, Optional<Path> qmp) {
        return new Vm(
                id,
                kind,
                OptionalInt.empty(),
                new GuestEndpoint.HybridVsock(dir.resolve(id + ".vsock"), 1024),
                List.of(),
                List.of(),
                new HostEndpoints(api, qmp, Optional.empty()),
                false,
                Optional.empty());
    }

    private static VmRecord await(RegistryReader r, String vm, Predicate<VmRecord> ok)
            throws InterruptedException {
        return RegistrySlots.await(r, vm, Duration.ofSeconds(30), ok);
    }

    /**
     * Unix sockets that accept every connection and never write a byte: one thread for all of them.
     */
    private static final class HungServers implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<SocketChannel> held = new ArrayList<>();
        private final Thread thread = new Thread(this::acceptForever, "hung-servers");
        private volatile int accepted;

        HungServers() throws IOException {
            thread.setDaemon(true);
        }

        Path listen(Path path) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            if (!thread.isAlive()) {
                thread.start();
            }
            return path;
        }

        int accepted() {
            return accepted;
        }

        private void acceptForever() {
            try {
                while (selector.isOpen()) {
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        SocketChannel c = ((ServerSocketChannel) k.channel()).accept();
                        if (c != null) {
                            held.add(c);
                            accepted++;
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException stopped) {
                // Closed by the test.
            }
        }

        @Override
        public void close() throws IOException {
            for (SelectionKey k : selector.keys()) {
                k.channel().close();
            }
            selector.close();
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }
}
