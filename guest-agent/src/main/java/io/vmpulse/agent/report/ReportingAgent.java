package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestIdentity;
import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.agent.wire.AgentMessages;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The running agent: a sampling thread feeding a bounded ring and writing it to the collector
 * without ever waiting on the socket, and a link thread, {@code vmpulse-link}, that connects and
 * reads what the collector says. The sampling thread is the caller's in {@link #run} (the agent's
 * main thread: one thread fewer), or {@code vmpulse-sampler} after {@link #start}; the sampler may
 * add {@code statvfs} guard threads.
 */
public final class ReportingAgent implements AutoCloseable {

    public static final Duration MIN_INTERVAL = SamplingLoop.MIN_INTERVAL;
    public static final Duration MAX_INTERVAL = SamplingLoop.MAX_INTERVAL;
    public static final long MIN_INTERVAL_MS = MIN_INTERVAL.toMillis();
    public static final long MAX_INTERVAL_MS = MAX_INTERVAL.toMillis();

    /** Ten minutes at the default interval. */
    public static final int DEFAULT_BUFFER = 600;

    private final GuestSampler sampler;
    private final SamplingLoop sampling;
    private final CollectorLink link;

    /**
     * @param interval clamped to [{@link #MIN_INTERVAL}, {@link #MAX_INTERVAL}]
     * @param buffer samples kept while the collector is unreachable; the oldest go first
     */
    public ReportingAgent(
            GuestSampler sampler, CollectorAddress collector, Duration interval, int buffer) {
        this.sampler = sampler;
        SampleRing ring = new SampleRing(buffer);
        GuestIdentity identity = sampler.identity();
        String instance = AgentIdentity.newInstanceId();
        this.sampling = new SamplingLoop(sampler, ring, interval);
        SamplingLoop loop = sampling;
        Supplier<byte[]> hello =
                new Supplier<>() {
                    @Override
                    public byte[] get() {
                        return AgentMessages.hello(
                                AgentIdentity.NAME,
                                AgentIdentity.VERSION,
                                instance,
                                (int) loop.interval().toMillis(),
                                identity);
                    }
                };
        this.link =
                new CollectorLink(
                        collector,
                        ring,
                        sampling,
                        hello,
                        new Backoff(Backoff.INITIAL, Backoff.CAP, new SplittableRandom()));
        sampling.sendWith(link);
    }

    /** Starts the link, and samples on a new thread, {@code vmpulse-sampler}. */
    public ReportingAgent start() {
        link.start();
        Thread thread = new Thread(sampling, "vmpulse-sampler");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Starts the link, and samples on the calling thread until {@link #close}. */
    public void run() {
        link.start();
        sampling.run();
    }

    /**
     * From now on the process's first SIGTERM, SIGINT or SIGHUP ends {@link #run} (which then
     * returns; {@link #close} half-closes the call): the agent runs with {@code -Xrs}, without the
     * JVM's own signal handling.
     */
    public void stopOnTerminationSignal() {
        sampling.stopOnTerminationSignal();
    }

    /** The interval in force (the collector may have changed it). */
    public Duration interval() {
        return sampling.interval();
    }

    /** Stops sampling, half-closes the call, and releases the threads and the sampler. */
    @Override
    public void close() throws InterruptedException {
        sampling.stop();
        link.close();
        sampler.close();
        sampling.release();
    }
}
