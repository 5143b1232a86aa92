package io.vmpulse.agent.transport;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real grpc-java server (Netty, epoll) with one bidirectional method on raw bytes, so that the
 * tests need no generated classes. It listens on a Unix socket or on 127.0.0.1.
 */
final class BytesServer implements AutoCloseable {

    static final String PATH = "/vmpulse.test.Bytes/Chat";

    enum Transport {
        UNIX,
        TCP
    }

    /** Called once per call, on a server thread. */
    interface Handler {
        StreamObserver<byte[]> open(ServerCallStreamObserver<byte[]> responses);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };

    static final MethodDescriptor<byte[], byte[]> METHOD =
            MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName(PATH.substring(1))
                    .setRequestMarshaller(BYTES)
                    .setResponseMarshaller(BYTES)
                    .build();

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final Server server;
    private final CollectorAddress address;

    /** {@code flowControlWindow} 0 keeps grpc-java's default (auto-tuned) window. */
    BytesServer(Transport transport, Path dir, int flowControlWindow, Handler handler)
            throws IOException {
        NettyServerBuilder builder;
        if (transport == Transport.UNIX) {
            Path socket = dir.resolve("collector.sock");
            builder =
                    NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                            .channelType(EpollServerDomainSocketChannel.class);
        } else {
            builder =
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                            .channelType(EpollServerSocketChannel.class);
        }
        if (flowControlWindow > 0) {
            builder.flowControlWindow(flowControlWindow);
        }
        server =
                builder.bossEventLoopGroup(group)
                        .workerEventLoopGroup(group)
                        .addService(
                                ServerServiceDefinition.builder("vmpulse.test.Bytes")
                                        .addMethod(
                                                METHOD,
                                                ServerCalls.asyncBidiStreamingCall(
                                                        responses ->
                                                                handler.open(
                                                                        (ServerCallStreamObserver<
                                                                                        byte[]>)
                                                                                responses)))
                                        .build())
                        .build()
                        .start();
        if (transport == Transport.UNIX) {
            address = CollectorAddress.parse("unix://" + dir.resolve("collector.sock"));
        } else {
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            address = CollectorAddress.parse("tcp://127.0.0.1:" + port);
        }
    }

    CollectorAddress address() {
        return address;
    }

    void shutdownNow() throws InterruptedException {
        server.shutdownNow();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("test server did not stop within 10 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
