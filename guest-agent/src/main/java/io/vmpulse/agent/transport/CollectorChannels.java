package io.vmpulse.agent.transport;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.VSockAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.vmpulse.vsock.EpollVsockChannel;
import java.net.InetSocketAddress;

/**
 * Opens a gRPC channel to the collector over the transport its address names. All three run on
 * Netty's epoll transport, so the agent carries one I/O path and one I/O thread.
 */
public final class CollectorChannels {

    /**
     * The collector only sends small control messages (Welcome, Ack, SetInterval): anything bigger
     * is a broken or hostile peer, and the stream fails instead of buffering it.
     */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 4096;

    private CollectorChannels() {
    }

    /** One daemon I/O thread: the agent has one connection and little to say. */
    public static EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vmpulse-io", true),
                EpollIoHandler.newFactory());
    }

    /**
     * A channel whose callbacks run on {@code group}'s I/O thread ({@code directExecutor}): the
     * handlers only move indexes in the sample ring, so they need no thread pool of their own.
     */
    public static ManagedChannel open(CollectorAddress address, EventLoopGroup group) {
        NettyChannelBuilder builder;
        if (address instanceof CollectorAddress.Vsock) {
            CollectorAddress.Vsock vsock = (CollectorAddress.Vsock) address;
            builder = NettyChannelBuilder.forAddress(new VSockAddress((int) vsock.cid(), (int) vsock.port()))
                    .channelType(EpollVsockChannel.class, VSockAddress.class);
        } else if (address instanceof CollectorAddress.Unix) {
            builder = NettyChannelBuilder.forAddress(new DomainSocketAddress(((CollectorAddress.Unix) address).path().toString()))
                    .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class);
        } else {
            CollectorAddress.Tcp tcp = (CollectorAddress.Tcp) address;
            builder = NettyChannelBuilder.forAddress(tcp.host(), tcp.port())
                    .channelType(EpollSocketChannel.class, InetSocketAddress.class);
        }
        return builder
                .eventLoopGroup(group)
                .directExecutor()
                .usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }
}
