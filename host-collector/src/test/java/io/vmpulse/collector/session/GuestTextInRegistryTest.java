package io.vmpulse.collector.session;

import static io.vmpulse.collector.session.GuestClient.sample;
import static io.vmpulse.registry.layout.RecordFields.BOOT_ID;
import static io.vmpulse.registry.layout.RecordFields.FS_COUNT;
import static io.vmpulse.registry.layout.RecordFields.FS_MOUNT_POINT;
import static io.vmpulse.registry.layout.RecordFields.FS_TYPE;
import static io.vmpulse.registry.layout.RecordFields.GUEST_SEQ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile guest's text, sent through a real stream: terminal escapes (CSI clear-screen, an OSC
 * window title, the 8-bit CSI), newlines and DEL never reach the registry; each such character is
 * stored as U+FFFD, so no reader of the file can be made to pass them to a terminal.
 */
@Timeout(60)
class GuestTextInRegistryTest {

    @TempDir Path dir;

    @Test
    void control_characters_in_guest_text_are_replaced_before_they_are_stored() throws Exception {
        Path registry = dir.resolve("registry");
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        try (Collector collector =
                Collector.start(
                        CollectorSettings.registryOnly(
                                registry,
                                2,
                                Duration.ofMillis(100),
                                Duration.ofSeconds(1),
                                GuestLimits.DEFAULT),
                        HostSampler.Options.defaults())) {
            VmCatalog vms = new VmCatalog();
            vms.addListener(collector);
            vms.register(
                    new Vm(
                            "vm",
                            HypervisorKind.NONE,
                            OptionalInt.empty(),
                            new GuestEndpoint.HybridVsock(dir.resolve("vm.vsock"), 1024),
                            List.of(),
                            List.of(),
                            HostEndpoints.NONE,
                            false,
                            Optional.empty()),
                    VmSource.API);
            Thread.sleep(300);
            try (GuestClient guest =
                    new GuestClient(
                            dir.resolve("vm.vsock_1024"), loop, "boot\u001b[2J\u0007", "i")) {
                guest.send(
                        sample(1, 1000).toBuilder()
                                .addFilesystems(
                                        Filesystem.newBuilder()
                                                .setMountPoint(
                                                        "/mnt\u001b[2J\u001b]0;owned\u0007\n")
                                                .setFsType("ext4\u009b31m\u007f"))
                                .build());
                VmRecord r = await(registry);
                assertEquals(1, r.getUnsignedInt(FS_COUNT));
                assertEquals(
                        "/mnt\uFFFD[2J\uFFFD]0;owned\uFFFD\uFFFD", r.getString(FS_MOUNT_POINT, 0));
                assertEquals("ext4\uFFFD31m\uFFFD", r.getString(FS_TYPE, 0));
                assertEquals("boot\uFFFD[2J\uFFFD", r.getString(BOOT_ID));
                for (RecordField f : List.of(FS_MOUNT_POINT, FS_TYPE, BOOT_ID)) {
                    assertTrue(
                            r.getString(f, 0).codePoints().noneMatch(VmRecord::isControl),
                            f.name());
                }
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static VmRecord await(Path registry) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (RegistryReader reader = RegistryReader.open(registry)) {
            SlotSnapshot s = reader.newSnapshot();
            while (System.nanoTime() < end) {
                for (int i = 0; i < reader.slotCount(); i++) {
                    if (reader.read(i, s)
                            && "vm".equals(s.vmId())
                            && s.sample().getLong(GUEST_SEQ) == 1) {
                        return s.sample();
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the guest sample never reached the registry");
    }
}
