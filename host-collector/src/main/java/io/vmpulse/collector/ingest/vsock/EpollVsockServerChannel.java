package io.vmpulse.collector.ingest.vsock;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.epoll.AbstractEpollServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.epoll.LinuxSocket;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import java.net.SocketAddress;

/**
 * A listening {@code AF_VSOCK} socket on Netty's epoll transport: what a gRPC server uses to accept
 * guests on a host with real vsock (QEMU vhost-vsock). Use it with {@code
 * NettyServerBuilder.forAddress(new VSockAddress(VSockAddress.VMADDR_CID_ANY, port))
 * .channelType(EpollVsockServerChannel.class)} and epoll event loops. Accepted connections are
 * {@link EpollVsockChannel}s whose {@code remoteAddress()} carries the guest's CID, which is how
 * the host tells VMs apart.
 */
public final class EpollVsockServerChannel extends AbstractEpollServerChannel {

    /** listen(2) backlog: guests connect once and stay, so a burst is at most one per VM. */
    public static final int BACKLOG = 128;

    private final EpollChannelConfig config = new EpollChannelConfig(this) {};
    private volatile VSockAddress local;

    public EpollVsockServerChannel() {
        super(LinuxSocket.newVSockStream(), false);
    }

    @Override
    public EpollChannelConfig config() {
        return config;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        socket.bindVSock(EpollVsockChannel.vsock(localAddress));
        socket.listen(BACKLOG);
        active = true;
    }

    @Override
    protected SocketAddress localAddress0() {
        VSockAddress known = local;
        if (known == null && active) {
            // Ask the kernel rather than echo the request: a port of VMADDR_PORT_ANY gets assigned.
            known = socket.localVSockAddress();
            local = known;
        }
        return known;
    }

    @Override
    protected Channel newChildChannel(int fd, byte[] address, int offset, int len) {
        return new EpollVsockChannel(this, LinuxSocket.newSocket(fd));
    }
}
