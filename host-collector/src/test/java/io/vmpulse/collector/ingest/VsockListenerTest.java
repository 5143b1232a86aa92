package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The collector's AF_VSOCK listener binds and listens for real. Nothing can connect to it on this
 * machine (no vsock loopback transport, no vhost-vsock guest; CID 2 is the host of this machine and
 * is never contacted), so the CID-to-VM lookup is exercised only as far as the listener.
 */
@Timeout(30)
class VsockListenerTest {

    @Test
    void vsock_listener_binds_any_cid_and_holds_its_port() throws Exception {
        int port = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
        try (IngestServer ingest = new IngestServer(GuestLimits.DEFAULT)) {
            Server server = ingest.listenVsock(port, cid -> null);
            try {
                VSockAddress bound = (VSockAddress) server.getListenSockets().get(0);
                assertEquals(port, bound.getPort());
                assertEquals(VSockAddress.VMADDR_CID_ANY, bound.getCid());
                IOException second =
                        assertThrows(
                                IOException.class, () -> ingest.listenVsock(port, cid -> null));
                assertTrue(
                        String.valueOf(second.getCause()).contains("Address already in use")
                                || String.valueOf(second.getMessage())
                                        .contains("Address already in use"),
                        second.toString());
            } finally {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
