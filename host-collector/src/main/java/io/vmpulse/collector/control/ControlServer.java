package io.vmpulse.collector.control;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.vmpulse.collector.socket.SocketAccess;
import io.vmpulse.collector.socket.UnixSocketFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Serves the control API on a host-only Unix socket, mode 0660: the owner and the socket's group
 * (optionally set with {@code group}) may manage VMs; nobody else may connect.
 *
 * <p>The socket is bound with the process umask and then narrowed to 0660; with any usual umask
 * (022, 027, 077) nobody but the owner can connect in between, since connecting needs write
 * permission. A leftover socket from a collector that died is replaced; a socket that still accepts
 * connections belongs to a running collector, and starting is refused.
 */
public final class ControlServer implements AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/run/vmpulse/control.sock");

    private final Path socket;
    private final Server server;
    private final EventLoopGroup group;

    private ControlServer(final Path socket, final Server server, final EventLoopGroup group) {
        this.socket = socket;
        this.server = server;
        this.group = group;
    }

    public static ControlServer start(
            final Path socket, final Optional<String> group, final BindableService service)
            throws IOException {
        final Path path = socket.toAbsolutePath().normalize();
        Files.createDirectories(path.getParent());
        UnixSocketFiles.removeStale(path, "control socket");
        final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final Server server =
                NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
                        .channelType(EpollServerDomainSocketChannel.class)
                        .bossEventLoopGroup(loop)
                        .workerEventLoopGroup(loop)
                        // gRPC asks for TCP keepalive, which a Unix socket does not have; netty
                        // would warn per connection.
                        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                        .addService(service)
                        .build();
        try {
            server.start();
            new SocketAccess(0660, group).applyTo(path);
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e instanceof IOException io
                    ? io
                    : new IOException(
                            "cannot serve the control API on " + path + ": " + e.getMessage(), e);
        }
        return new ControlServer(path, server, loop);
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting calls, lets running ones finish (briefly), and removes the socket file. */
    @Override
    public void close() {
        try {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            // A short quiet period lets tasks that closing transports still post run instead of
            // being rejected.
            group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(5, TimeUnit.SECONDS);
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // Harmless: the next start replaces a stale socket.
            }
        }
    }
}
