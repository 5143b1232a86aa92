package io.vmpulse.collector.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.collector.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The takeover attempt: a process of another user that the socket's permissions let in (here
 * everyone: mode 0666) connects to a VM's ingest socket. Real processes under real uids (setpriv),
 * the kernel's SO_PEERCRED: only the VMM's user gets a connection.
 */
@Timeout(60)
class PeerIdentityTest {

    private static final int VMM_UID = 40_101;
    private static final int OTHER_UID = 40_102;

    /**
     * Connects, sends the HTTP/2 preface, and says whether the collector closed the connection
     * within 2 s.
     */
    private static final String CLIENT =
            String.join(
                    "\n",
                    "import socket, sys",
                    "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                    "s.connect(sys.argv[1])",
                    "s.sendall(b'PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n' + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))",
                    "s.settimeout(2)",
                    "try:",
                    "    while s.recv(4096):",
                    "        pass",
                    "    print('closed')",
                    "except (socket.timeout, ConnectionResetError) as e:",
                    "    print('closed' if isinstance(e, ConnectionResetError) else 'open')");

    @TempDir Path dir;

    private IngestServer ingest;
    private Server server;
    private Process vmm;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (ingest != null) {
            ingest.close();
        }
        if (vmm != null) {
            vmm.destroyForcibly().waitFor();
        }
    }

    @Test
    void a_process_of_another_user_cannot_take_over_a_vms_stream_while_the_vmms_user_can_connect()
            throws Exception {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "needs root to run processes as other uids");
        vmm =
                new ProcessBuilder(
                                "setpriv",
                                "--reuid=" + VMM_UID,
                                "--regid=" + VMM_UID,
                                "--clear-groups",
                                "sleep",
                                "60")
                        .start();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sock = dir.resolve("vm.sock_1024");
        ingest =
                new IngestServer(
                        GuestLimits.DEFAULT,
                        IngestBounds.forThisProcess(),
                        SocketAccess.parse("0666", ""));
        GuestLink link = ingest.link("victim", new HostileGuestTest.Recorder());
        try (LogCapture lines = LogCapture.on(GuestLink.class.getName())) {
            server = ingest.listenUnix(sock, link, PeerRule.sameUserAs((int) vmm.pid()));

            assertEquals(
                    "closed",
                    connectAs(OTHER_UID, sock),
                    "another user's connection is closed at once");
            assertEquals(1, link.stats().rejected(), "and counted against the VM");
            assertEquals(
                    List.of(
                            "vm victim: connection refused: peer pid "
                                    + lastPeerPid
                                    + " runs as uid "
                                    + OTHER_UID
                                    + ", not as the VMM's uid "
                                    + VMM_UID),
                    lines.messages());

            assertEquals("open", connectAs(VMM_UID, sock), "the VMM's user is let in");
            assertEquals(1, link.stats().rejected());
        }
    }

    private long lastPeerPid;

    private String connectAs(int uid, Path sock) throws Exception {
        Process p =
                new ProcessBuilder(
                                "setpriv",
                                "--reuid=" + uid,
                                "--regid=" + uid,
                                "--clear-groups",
                                "/usr/bin/python3",
                                "-c",
                                CLIENT,
                                sock.toString())
                        .redirectErrorStream(true)
                        .start();
        lastPeerPid = p.pid();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
