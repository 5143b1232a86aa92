package io.vmpulse.collector.ingest.vsock;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.epoll.LinuxSocket;
import io.grpc.netty.shaded.io.netty.channel.epoll.Native;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import java.net.SocketAddress;

/**
 * An {@code AF_VSOCK} stream channel on Netty's epoll transport (the copy shaded into grpc-netty).
 *
 * <p>Netty's {@code LinuxSocket} can create, bind and connect vsock sockets, but its channels only
 * route {@code InetSocketAddress} and {@code DomainSocketAddress} through connect and bind. This
 * class overrides exactly those steps (and the address getters) to use the vsock calls; reading,
 * writing and closing are the stock epoll stream code. Everything it touches is {@code protected}
 * in Netty, so it needs no split package.
 */
public final class EpollVsockChannel extends AbstractEpollStreamChannel {

    private final EpollChannelConfig config = new EpollChannelConfig(this) { };
    private volatile VSockAddress local;
    private volatile VSockAddress remote;

    /** A new, unconnected vsock socket; what a channel factory calls. */
    public EpollVsockChannel() {
        super(LinuxSocket.newVSockStream(), false);
    }

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
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        VSockAddress to = vsock(remoteAddress);
        if (localAddress != null) {
            socket.bindVSock(vsock(localAddress));
        }
        boolean completed = false;
        try {
            boolean connected = socket.connectVSock(to);
            if (!connected) {
                // In progress: epoll reports writability when connect(2) finishes.
                setFlag(Native.EPOLLOUT);
            }
            remote = to;
            completed = true;
            return connected;
        } finally {
            if (!completed) {
                doClose();
            }
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        socket.bindVSock(vsock(localAddress));
    }

    @Override
    protected SocketAddress localAddress0() {
        VSockAddress known = local;
        if (known == null) {
            // The kernel assigns our CID and port at connect time: ask it once.
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
