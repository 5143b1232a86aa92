package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelException;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.LinuxSocket;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.Errors;
import io.vmpulse.vsock.EpollVsockChannel;
import io.vmpulse.vsock.EpollVsockServerChannel;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AF_VSOCK as far as this machine allows: bind and listen. Nothing here connects; this machine has
 * no vsock loopback, and CID 2 is the machine hosting this one (DESIGN.md, "Testing with real parts").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VsockChannelTest {

    private static final int EAFNOSUPPORT = 97;

    private EventLoopGroup group;

    @BeforeEach
    void kernelHasVsock() {
        Epoll.ensureAvailability();
        try {
            LinuxSocket.newVSockStream().close();
        } catch (ChannelException e) {
            assumeTrue(!(e.getCause() instanceof Errors.NativeIoException
                    && Math.abs(((Errors.NativeIoException) e.getCause()).expectedErr()) == EAFNOSUPPORT),
                    "this kernel has no AF_VSOCK");
            throw e;
        } catch (IOException e) {
            throw new AssertionError("closing a fresh vsock socket failed", e);
        }
        group = CollectorChannels.newEventLoopGroup();
    }

    @AfterEach
    void stopGroup() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_grpc_server_listens_on_af_vsock_at_the_port_the_kernel_assigned() throws Exception {
        Server server = NettyServerBuilder
                .forAddress(new VSockAddress(VSockAddress.VMADDR_CID_ANY, VSockAddress.VMADDR_PORT_ANY))
                .channelType(EpollVsockServerChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .build()
                .start();
        int port;
        try {
            List<? extends SocketAddress> listening = server.getListenSockets();
            assertEquals(1, listening.size());
            VSockAddress local = assertInstanceOf(VSockAddress.class, listening.get(0));
            assertEquals(VSockAddress.VMADDR_CID_ANY, local.getCid());
            assertNotEquals(VSockAddress.VMADDR_PORT_ANY, local.getPort(), "the kernel assigned a port");
            port = local.getPort();
            // Independently of Netty: the kernel refuses a second bind of that port while we listen.
            assertEquals("EADDRINUSE", bindWithPython(port));
        } finally {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        assertEquals("bound", bindWithPython(port), "the port is free once the server is gone");
    }

    @Test
    void the_client_channel_binds_a_vsock_address_without_connecting() throws Exception {
        Channel channel = new Bootstrap().group(group).channel(EpollVsockChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(new VSockAddress(VSockAddress.VMADDR_CID_ANY, VSockAddress.VMADDR_PORT_ANY))
                .sync().channel();
        try {
            VSockAddress local = assertInstanceOf(VSockAddress.class, channel.localAddress());
            assertNotEquals(VSockAddress.VMADDR_PORT_ANY, local.getPort());
            assertEquals(null, channel.remoteAddress());
        } finally {
            channel.close().sync();
        }
    }

    /** Binds AF_VSOCK (any CID) to {@code port} from another process; says "bound" or the errno name. */
    private static String bindWithPython(int port) throws IOException, InterruptedException {
        String script = "import errno, socket, sys\n"
                + "s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\n"
                + "try:\n"
                + "    s.bind((socket.VMADDR_CID_ANY, int(sys.argv[1])))\n"
                + "    print('bound')\n"
                + "except OSError as e:\n"
                + "    print(errno.errorcode[e.errno])\n";
        Process p = new ProcessBuilder("python3", "-c", script, Integer.toUnsignedString(port))
                .redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python3 did not finish within 10 s");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
