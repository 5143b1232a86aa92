package io.vmpulse.agent.report;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.agent.transport.CollectorChannels;
import io.vmpulse.proto.v1.Hello;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The running agent: a sampling thread feeding a bounded ring, and a link draining the ring to the
 * collector. Two threads of its own: {@code vmpulse-sampler} and the I/O thread {@code vmpulse-io}
 * (the sampler may add {@code statvfs} guard threads).
 */
public final class ReportingAgent implements AutoCloseable {

    public static final Duration MIN_INTERVAL = SamplingLoop.MIN_INTERVAL;
    public static final Duration MAX_INTERVAL = SamplingLoop.MAX_INTERVAL;
    public static final Duration DEFAULT_INTERVAL = SamplingLoop.DEFAULT_INTERVAL;
    /** Ten minutes at the default interval. */
    public static final int DEFAULT_BUFFER = 600;

    private final GuestSampler sampler;
    private final EventLoopGroup io;
    private final ManagedChannel channel;
    private final SamplingLoop sampling;
    private final CollectorLink link;

    /**
     * @param interval clamped to [{@link #MIN_INTERVAL}, {@link #MAX_INTERVAL}]
     * @param buffer samples kept while the collector is unreachable; the oldest go first
     */
    public ReportingAgent(GuestSampler sampler, CollectorAddress collector, Duration interval, int buffer) {
        this.sampler = sampler;
        SampleRing ring = new SampleRing(buffer);
        Hello.Builder hello = Hello.newBuilder()
                .setAgentName(AgentIdentity.NAME)
                .setAgentVersion(AgentIdentity.VERSION)
                .setAgentInstance(UUID.randomUUID().toString());
        sampler.identifyInto(hello);
        this.io = CollectorChannels.newEventLoopGroup();
        this.channel = CollectorChannels.open(collector, io);
        this.sampling = new SamplingLoop(sampler, ring, interval, this::sampleAppended);
        this.link = new CollectorLink(collector.toString(), channel, io.next(), ring, sampling,
                () -> hello.setIntervalMs((int) sampling.interval().toMillis()).build(),
                new Backoff(Backoff.INITIAL, Backoff.CAP, new SplittableRandom()));
    }

    private void sampleAppended() {
        link.wake();
    }

    public ReportingAgent start() {
        link.start();
        sampling.start();
        return this;
    }

    /** The interval in force (the collector may have changed it). */
    public Duration interval() {
        return sampling.interval();
    }

    /** Stops sampling, half-closes the stream, and releases the channel, thread and sampler. */
    @Override
    public void close() throws InterruptedException {
        sampling.stop();
        link.close();
        channel.shutdown();
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
            channel.shutdownNow();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        sampler.close();
    }
}
