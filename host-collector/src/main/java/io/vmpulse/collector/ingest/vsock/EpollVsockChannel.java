package io.vmpulse.collector.ingest.vsock;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.epoll.LinuxSocket;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import java.net.SocketAddress;

/**
 * A guest's {@code AF_VSOCK} connection, accepted by {@link EpollVsockServerChannel} on Netty's
 * epoll transport (the copy shaded into grpc-netty). The collector only accepts, never connects, so
 * this class only overrides the address getters, to report vsock addresses (the peer's CID is the
 * guest's identity); reading, writing and closing are the stock epoll stream code. Everything it
 * touches is {@code protected} in Netty, so it needs no split package.
 */
final class EpollVsockChannel extends AbstractEpollStreamChannel {

    private final EpollChannelConfig config = new EpollChannelConfig(this) {};
    private volatile VSockAddress local;
    private volatile VSockAddress remote;

    /** A connection accepted by {@link EpollVsockServerChannel}. */
    EpollVsockChannel(Channel parent, LinuxSocket accepted) {
        this(parent, accepted, accepted.remoteVSockAddress());
    }

    private EpollVsockChannel(Channel parent, LinuxSocket accepted, VSockAddress peer) {
        super(parent, accepted, peer);
        this.remote = peer;
    }

    @Override
    public EpollChannelConfig config() {
        return config;
    }

    @Override
    protected SocketAddress localAddress0() {
        VSockAddress known = local;
        if (known == null) {
            // Asked of the kernel once, on first use.
            known = socket.localVSockAddress();
            local = known;
        }
        return known;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    static VSockAddress vsock(SocketAddress address) {
        if (address instanceof VSockAddress) {
            return (VSockAddress) address;
        }
        throw new IllegalArgumentException("not a vsock address: " + address);
    }
}
