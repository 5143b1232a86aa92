package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.LAST_HOST_MONO_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.util.JsonFormat;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.testing.LogCapture;
import io.vmpulse.proto.collector.v1.CollectorConfig;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TCP ingest is for development only: off unless the configuration turns it on. */
@Timeout(60)
class TcpIngestTest {

    @TempDir Path dir;

    @Test
    void a_tcp_guest_is_refused_when_the_configuration_does_not_turn_tcp_on() throws Exception {
        int port = freePort();
        try (LogCapture log = LogCapture.on(Collector.class.getName());
                Collector c = start("")) {
            register(c, port);
            awaitHostHalf();
            assertThrows(
                    ConnectException.class,
                    () -> connect(port),
                    "nothing listens on 127.0.0.1:" + port);
            assertEquals(
                    List.of(
                            "vm t: cannot listen for its guest: its descriptor asks for TCP, which this collector "
                                    + "has turned off (tcp_enabled); publishing its host half only"),
                    log.messages(Level.SEVERE));
        }
    }

    @Test
    void a_tcp_guest_is_served_when_the_configuration_turns_tcp_on() throws Exception {
        int port = freePort();
        try (Collector c = start(", \"tcpEnabled\": true")) {
            register(c, port);
            awaitHostHalf();
            connect(port);
        }
    }

    private Collector start(String extra) throws Exception {
        CollectorConfig.Builder b = CollectorConfig.newBuilder();
        JsonFormat.parser()
                .merge(
                        "{\"registry\": {\"path\": \""
                                + dir.resolve("registry")
                                + "\", \"slots\": 1}, "
                                + "\"descriptorDir\": \"\", \"controlSocket\": \"\", \"intervalMs\": 100"
                                + extra
                                + "}",
                        b);
        return Collector.start(
                CollectorSettings.from(b.build(), "test config"), HostSampler.Options.defaults());
    }

    private static void register(Collector c, int port) throws Exception {
        VmCatalog vms = new VmCatalog();
        vms.addListener(c);
        vms.register(
                new Vm(
                        "t",
                        HypervisorKind.NONE,
                        OptionalInt.empty(),
                        new GuestEndpoint.Tcp("127.0.0.1", port),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty()),
                VmSource.API);
    }

    /** The VM's first publication comes after its listener was set up, or failed to be. */
    private void awaitHostHalf() throws Exception {
        try (RegistryReader reader = RegistryReader.open(dir.resolve("registry"))) {
            SlotSnapshot s = reader.newSnapshot();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(reader.read(0, s)
                    && "t".equals(s.vmId())
                    && s.sample().getLong(LAST_HOST_MONO_NS) != 0)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("vm t was not published within 10 s");
                }
                Thread.sleep(10);
            }
        }
    }

    private static void connect(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
