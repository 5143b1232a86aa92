package io.vmpulse.collector.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.collector.session.Collector;
import io.vmpulse.collector.session.CollectorSettings;
import io.vmpulse.collector.testing.NativeHelper;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TAP devices in a network namespace made by the test (root). The test plays the guest with
 * tap_peer.c, which holds the TAP open as a VMM does: frames it writes into the TAP are what the
 * guest sends; UDP datagrams routed out of the TAP are what the guest receives.
 *
 * <p>The namespace's interfaces are read through a sysfs mounted from inside it ({@code nsenter
 * --net=... mount -t sysfs}): sysfs shows the network namespace of the process that mounted it, so
 * the host's /sys does not show this TAP at all.
 */
@Timeout(60)
class TapTest {

    private static final String TAP = "vmptap0";

    /**
     * A second TAP of the same VM that no one writes to: its counters must stay apart from TAP's.
     */
    private static final String IDLE_TAP = "vmptap1";

    private static final String GUEST_IP = "10.213.0.2";

    @TempDir Path dir;

    private String ns;
    private Path sysfs;

    @BeforeEach
    void createNamespaceAndTap() throws Exception {
        ns =
                "vmpulse-test-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        sysfs = dir.resolve("sys");
        Files.createDirectory(sysfs);
        sh("ip", "netns", "add", ns);
        // No IPv6: its autoconfiguration would add traffic of its own to the TAP's counters.
        sh(
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        sh("ip", "-n", ns, "tuntap", "add", "dev", TAP, "mode", "tap");
        sh("ip", "-n", ns, "addr", "add", "10.213.0.1/24", "dev", TAP);
        sh("ip", "-n", ns, "link", "set", TAP, "up");
        sh("ip", "-n", ns, "tuntap", "add", "dev", IDLE_TAP, "mode", "tap");
        sh("ip", "-n", ns, "neigh", "add", GUEST_IP, "lladdr", "02:00:00:00:00:02", "dev", TAP);
        sh("nsenter", "--net=/run/netns/" + ns, "mount", "-t", "sysfs", "none", sysfs.toString());
    }

    @AfterEach
    void removeNamespace() throws Exception {
        try {
            NativeHelper.run(List.of("umount", sysfs.toString()), 10);
        } finally {
            NativeHelper.run(List.of("ip", "netns", "del", ns), 10);
        }
    }

    private static String sh(String... command) throws Exception {
        return NativeHelper.run(List.of(command), 30);
    }

    private HostSampler sampler(List<String> taps) {
        return new HostSampler(
                new HostTargets(
                        HypervisorKind.NONE, 0, taps, List.of(), null, null, null, false, null),
                HostSampler.Options.defaults().withSysfsRoot(sysfs));
    }

    @Test
    void tap_counters_are_turned_round_to_the_guests_point_of_view_per_tap_and_in_total()
            throws Exception {
        assertFalse(
                Files.exists(Path.of("/sys/class/net", TAP)),
                "the TAP is only in the test's namespace");
        try (HostSampler sampler = sampler(List.of(TAP, IDLE_TAP))) {
            HostReading before = new HostReading();
            sampler.read(before);
            assertTrue(before.isPresent(Source.NET), () -> before.error(Source.NET));

            // The guest sends 5 frames of 200 bytes and receives 3 datagrams (142-byte frames).
            String out =
                    sh(
                                    "ip",
                                    "netns",
                                    "exec",
                                    ns,
                                    NativeHelper.compile("tap_peer").toString(),
                                    TAP,
                                    "5",
                                    "200",
                                    "3",
                                    GUEST_IP,
                                    "500")
                            .strip();
            String[] read = out.split(" ");
            assertEquals("read", read[0], out);
            long framesToGuest = Long.parseLong(read[1]);
            long bytesToGuest = Long.parseLong(read[2]);
            assertTrue(framesToGuest >= 3, "the guest got the datagrams: " + out);

            HostReading after = new HostReading();
            sampler.read(after);
            assertTrue(after.isPresent(Source.NET));
            assertTrue(after.netFromTap);
            assertEquals(
                    5,
                    after.netTxPackets - before.netTxPackets,
                    "frames the guest sent are its tx");
            assertEquals(1000, after.netTxBytes - before.netTxBytes);
            assertEquals(
                    5,
                    after.netTxDropped - before.netTxDropped,
                    "no protocol takes EtherType 0x88B5: the host dropped what the guest sent");
            assertEquals(
                    framesToGuest,
                    after.netRxPackets - before.netRxPackets,
                    "frames the guest read are its rx");
            assertEquals(bytesToGuest, after.netRxBytes - before.netRxBytes);
            assertEquals(0, after.netRxDropped - before.netRxDropped);
            assertEquals(0, after.netRxErrors + after.netTxErrors);

            assertEquals(2, after.nicCount);
            assertEquals(
                    List.of(TAP, IDLE_TAP),
                    List.of(after.nicName[0], after.nicName[1]),
                    "the descriptor's order");
            assertEquals(
                    5,
                    after.nicTxPacketsEach[0] - before.nicTxPacketsEach[0],
                    "per TAP, in the guest's direction too");
            assertEquals(1000, after.nicTxBytesEach[0] - before.nicTxBytesEach[0]);
            assertEquals(5, after.nicTxDropsEach[0] - before.nicTxDropsEach[0]);
            assertEquals(framesToGuest, after.nicRxPacketsEach[0] - before.nicRxPacketsEach[0]);
            assertEquals(bytesToGuest, after.nicRxBytesEach[0] - before.nicRxBytesEach[0]);
            assertEquals(0, after.nicRxDropsEach[0] - before.nicRxDropsEach[0]);
            assertEquals(0, after.nicRxErrorsEach[0] + after.nicTxErrorsEach[0]);
            assertEquals(
                    before.nicTxBytesEach[1],
                    after.nicTxBytesEach[1],
                    "the idle TAP saw none of it");
            assertEquals(before.nicRxBytesEach[1], after.nicRxBytesEach[1]);
            assertEquals(
                    after.netTxBytes,
                    after.nicTxBytesEach[0] + after.nicTxBytesEach[1],
                    "the totals sum the TAPs");
            assertEquals(after.netRxBytes, after.nicRxBytesEach[0] + after.nicRxBytesEach[1]);
            assertEquals(after.netTxDropped, after.nicTxDropsEach[0] + after.nicTxDropsEach[1]);
            assertEquals(after.netRxPackets, after.nicRxPacketsEach[0] + after.nicRxPacketsEach[1]);
        }
    }

    @Test
    void a_missing_or_deleted_tap_marks_net_failed_with_its_name() throws Exception {
        try (HostSampler sampler = sampler(List.of(TAP, "vmptap9"))) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isFailed(Source.NET));
            assertTrue(r.error(Source.NET).contains("vmptap9"), r.error(Source.NET));
            assertEquals(HostReading.ABSENT, r.netRxBytes);
            assertEquals(
                    0,
                    r.nicCount,
                    "no entry from a failed read, not even the TAP that could be read");
        }
        try (HostSampler sampler = sampler(List.of(TAP))) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.NET));
            sh("ip", "-n", ns, "link", "del", TAP);
            sampler.read(r);
            assertTrue(r.isFailed(Source.NET), "kept-open files of a deleted TAP fail");
            assertTrue(r.error(Source.NET).contains(TAP), r.error(Source.NET));
        }
    }

    @Test
    void tap_traffic_reaches_the_published_sample_in_the_guests_direction() throws Exception {
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        dir.resolve("registry"),
                        2,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1),
                        GuestLimits.DEFAULT);
        try (Collector collector =
                        Collector.start(
                                settings, HostSampler.Options.defaults().withSysfsRoot(sysfs));
                RegistryReader reader = RegistryReader.open(settings.registryPath())) {
            collector.vmAdded(
                    new Vm(
                            "tapvm",
                            HypervisorKind.NONE,
                            OptionalInt.empty(),
                            new GuestEndpoint.HybridVsock(dir.resolve("tapvm.vsock"), 1024),
                            List.of(TAP),
                            List.of(),
                            HostEndpoints.NONE,
                            false,
                            Optional.empty()));
            VmRecord before = awaitNet(reader, u -> true);
            String out =
                    sh(
                                    "ip",
                                    "netns",
                                    "exec",
                                    ns,
                                    NativeHelper.compile("tap_peer").toString(),
                                    TAP,
                                    "7",
                                    "300",
                                    "2",
                                    GUEST_IP,
                                    "500")
                            .strip();
            long bytesToGuest = Long.parseLong(out.split(" ")[2]);
            long txBefore = before.getLong(RecordFields.NET_TX_BYTES);
            long rxBefore = before.getLong(RecordFields.NET_RX_BYTES);
            VmRecord after =
                    awaitNet(
                            reader,
                            u ->
                                    u.getLong(RecordFields.NET_TX_BYTES) >= txBefore + 2100
                                            && u.getLong(RecordFields.NET_RX_BYTES)
                                                    >= rxBefore + bytesToGuest);
            assertEquals(
                    txBefore + 2100,
                    after.getLong(RecordFields.NET_TX_BYTES),
                    "what the guest sent is its tx");
            assertEquals(
                    rxBefore + bytesToGuest,
                    after.getLong(RecordFields.NET_RX_BYTES),
                    "what it read is its rx");
            assertFalse(after.hasFlags(RecordFlags.FLAG_NET_FAILING));
            assertEquals(1, after.getUnsignedInt(RecordFields.NIC_COUNT));
            assertEquals(TAP, after.getString(RecordFields.NIC_NAME, 0));
            assertEquals(
                    after.getLong(RecordFields.NET_TX_BYTES),
                    after.getLong(RecordFields.NIC_TX_BYTES_EACH, 0));
            assertEquals(
                    after.getLong(RecordFields.NET_RX_BYTES),
                    after.getLong(RecordFields.NIC_RX_BYTES_EACH, 0));
            assertEquals(
                    after.getLong(RecordFields.NET_TX_DROPS),
                    after.getLong(RecordFields.NIC_TX_DROPS_EACH, 0));
            assertTrue(
                    after.isPresent(
                            RecordFlags.PRESENT_HOST_NET_DROPS
                                    | RecordFlags.PRESENT_HOST_NET_ERRORS),
                    "a TAP counts drops and errors");
        }
    }

    /**
     * The published slot of the one VM, once its network source is present and {@code ok} holds.
     */
    private static VmRecord awaitNet(RegistryReader reader, Predicate<VmRecord> ok)
            throws Exception {
        SlotSnapshot s = reader.newSnapshot();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (reader.read(0, s)
                    && s.sample().isPresent(RecordFlags.PRESENT_HOST_NET)
                    && ok.test(s.sample())) {
                return s.sample();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the published sample never showed the expected network counters");
    }
}
