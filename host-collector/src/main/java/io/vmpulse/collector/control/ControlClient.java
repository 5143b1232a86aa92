package io.vmpulse.collector.control;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.vmpulse.proto.control.v1.ListRequest;
import io.vmpulse.proto.control.v1.ListResponse;
import io.vmpulse.proto.control.v1.RegisterRequest;
import io.vmpulse.proto.control.v1.UnregisterRequest;
import io.vmpulse.proto.control.v1.UpdateRequest;
import io.vmpulse.proto.control.v1.VmControlGrpc;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A blocking client of the control API on its Unix socket. Calls throw {@link
 * io.grpc.StatusRuntimeException}; the status description says what was refused.
 */
public final class ControlClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 10;

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel channel;
    private final VmControlGrpc.VmControlBlockingStub stub;

    public ControlClient(final Path socket) {
        channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        // gRPC asks for TCP keepalive, which a Unix socket does not have; netty
                        // would warn on every call.
                        .withOption(ChannelOption.SO_KEEPALIVE, null)
                        .usePlaintext()
                        .build();
        stub = VmControlGrpc.newBlockingStub(channel);
    }

    public void register(final VmDescriptor vm) {
        call().register(RegisterRequest.newBuilder().setVm(vm).build());
    }

    public void update(final VmDescriptor vm) {
        call().update(UpdateRequest.newBuilder().setVm(vm).build());
    }

    public void unregister(final String id) {
        call().unregister(UnregisterRequest.newBuilder().setId(id).build());
    }

    public ListResponse list() {
        return call().list(ListRequest.getDefaultInstance());
    }

    private VmControlGrpc.VmControlBlockingStub call() {
        return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            channel.shutdown();
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            // A short quiet period lets tasks that closing transports still post run instead of
            // being rejected.
            group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
