package io.vmpulse.collector.session;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A guest driven by hand over a real Unix socket: it says hello, then sends whatever the test tells
 * it to, and records how the collector ended its stream.
 */
final class GuestClient implements StreamObserver<CollectorMessage>, AutoCloseable {

    private final ManagedChannel channel;
    private final StreamObserver<AgentMessage> out;
    private final CompletableFuture<Status> ended = new CompletableFuture<>();

    GuestClient(Path socket, EventLoopGroup loop, String bootId, String instance) {
        channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .eventLoopGroup(loop)
                        .channelType(EpollDomainSocketChannel.class)
                        .usePlaintext()
                        .build();
        out = GuestReportGrpc.newStub(channel).report(this);
        out.onNext(
                AgentMessage.newBuilder()
                        .setHello(
                                Hello.newBuilder()
                                        .setAgentName("hand-driven")
                                        .setBootId(bootId)
                                        .setAgentInstance(instance)
                                        .setIntervalMs(100))
                        .build());
    }

    /** A well-formed sample whose CPU counters stand at {@code userNs}. */
    static Sample sample(long seq, long userNs) {
        return Sample.newBuilder()
                .setSeq(seq)
                .setCpu(
                        Cpu.newBuilder()
                                .setTotal(CpuTimes.newBuilder().setUserNs(userNs))
                                .setBootTimeUnixS(1000))
                .build();
    }

    synchronized void send(Sample s) {
        out.onNext(AgentMessage.newBuilder().setSample(s).build());
    }

    boolean hasEnded() {
        return ended.isDone();
    }

    /** How the collector ended the stream; fails when it did not within {@code timeout}. */
    Status awaitEnd(Duration timeout) throws Exception {
        return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onNext(CollectorMessage m) {}

    @Override
    public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.complete(Status.OK);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
