package io.vmpulse.bench.load;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vmpulse.agent.sample.GuestIdentity;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * N well-behaved simulated guest agents over grpc-java's Netty client (the {@link
 * Fleet.Transport#GRPC_JAVA} transport; {@link AgentGuestFleet} speaks the agent's own): one gRPC
 * {@code GuestReport} stream per VM, each over that VM's own Unix socket, all sharing one Netty
 * event loop (so the fleet costs the machine one thread, not N). Each guest sends Hello, waits for
 * Welcome, then one Sample per interval; the N guests' sends are spread evenly over the interval,
 * as N real agents started at random times would be. Used by {@link SimulatedGuests}
 * (collector-load.sh) and {@link IsolationRun} (isolation.sh).
 *
 * <p>The samples are realistic in size and shape: one real sample of this machine is taken once
 * with the agent's own {@link ProcfsSampler}, and each guest moves its CPU, context-switch and fork
 * counters forward from there at a busy fraction of its own ({@link GuestCounters}), so the
 * collector derives real rates. Each sample's {@code monotonic_ns} is this host's CLOCK_MONOTONIC
 * when it was built, which is what lets a registry reader on the same host time the
 * guest-to-registry path.
 *
 * <p>Each guest honours the protocol: it starts at the Welcome's {@code last_seq + 1}, takes {@code
 * SetInterval}, counts cumulative Acks, reports a sample skipped because the stream was not ready
 * as {@code dropped_before} on the next one, and reopens a failed stream after a second.
 */
final class GuestFleet implements Fleet {

    static final int DEFAULT_INTERVAL_MS = 1000;
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final FleetCounters counters = new FleetCounters();
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final List<Guest> guests;
    private final String sampleDescription;

    /**
     * Connects {@code n} guests to {@code String.format(socketFormat, i)} for i in 0..n-1 and
     * starts them; returns at once.
     */
    GuestFleet(String socketFormat, int n) throws Exception {
        Hello.Builder identity = identity();
        Sample real = realSample(identity);
        sampleDescription = describe(real);
        group =
                new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory("sim-io", true), EpollIoHandler.newFactory());
        loop = group.next();
        SplittableRandom random = new SplittableRandom(42);
        guests = new ArrayList<>(n);
        long start = System.nanoTime();
        long spread = TimeUnit.MILLISECONDS.toNanos(DEFAULT_INTERVAL_MS) / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            Guest g =
                    new Guest(
                            channel(group, String.format(socketFormat, i)),
                            identity.clone()
                                    .setBootId(UUID.randomUUID().toString())
                                    .setAgentInstance(UUID.randomUUID().toString())
                                    .setIntervalMs(DEFAULT_INTERVAL_MS)
                                    .build(),
                            new GuestCounters(real, 0.05 + 0.55 * random.nextDouble()),
                            start + i * spread);
            guests.add(g);
            loop.execute(g::open);
        }
    }

    /** The fleet's agent name and version; {@link #realSample} fills in this machine's identity. */
    static Hello.Builder identity() {
        return Hello.newBuilder()
                .setAgentName("vmpulse-simulated-guest")
                .setAgentVersion("0.0.0-bench");
    }

    /**
     * One real sample of this machine, taken with the agent's own sampler and encoder; sets {@code
     * identity}'s boot id, kernel release and USER_HZ to this machine's.
     */
    static Sample realSample(Hello.Builder identity) throws Exception {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            GuestIdentity guest = sampler.identity();
            identity.setBootId(guest.bootId())
                    .setKernelRelease(guest.kernelRelease())
                    .setUserHz(guest.userHz());
            SampleBuffer buffer = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), DEFAULT_INTERVAL_MS, buffer);
            return Sample.parseFrom(ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
        }
    }

    /** A plaintext gRPC channel over the Unix socket {@code path}, on {@code group}'s threads. */
    static ManagedChannel channel(EventLoopGroup group, String path) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(path))
                .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
                .eventLoopGroup(group)
                .directExecutor()
                .usePlaintext()
                .build();
    }

    /** Bytes of {@code real} as a message, and its shape. */
    static String describe(Sample real) {
        return AgentMessage.newBuilder().setSample(real).build().getSerializedSize()
                + " bytes ("
                + real.getCpu().getPerCpuCount()
                + " CPUs, "
                + real.getFilesystemsCount()
                + " filesystems)";
    }

    @Override
    public String sampleDescription() {
        return sampleDescription;
    }

    @Override
    public String status() {
        return counters.toString();
    }

    @Override
    public Summary finish() throws Exception {
        loop.submit(() -> guests.forEach(Guest::stop)).sync();
        loop.submit(() -> guests.forEach(Guest::close)).sync();
        long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < closeDeadline
                && loop.submit(() -> guests.stream().anyMatch(g -> !g.ended)).get()) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        long unacked = loop.submit(() -> guests.stream().mapToLong(Guest::unacked).sum()).get();
        long neverWelcomed =
                loop.submit(() -> guests.stream().filter(g -> !g.everWelcomed).count()).get();
        for (Guest g : guests) {
            g.channel.shutdown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Guest g : guests) {
            if (!g.channel.awaitTermination(
                    Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                g.channel.shutdownNow();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        return new Summary(guests.size(), neverWelcomed, unacked);
    }

    /** One simulated agent. Every method runs on the shared event loop, so no locking. */
    private final class Guest implements ClientResponseObserver<AgentMessage, CollectorMessage> {

        private final ManagedChannel channel;
        private final Hello hello;
        private final GuestCounters samples;
        private ClientCallStreamObserver<AgentMessage> stream;
        private boolean streaming;
        private boolean stopped;
        private boolean everWelcomed;
        private boolean ended;
        private long intervalNanos = TimeUnit.MILLISECONDS.toNanos(DEFAULT_INTERVAL_MS);
        private long nextSendNanos;
        private long seq;
        private long ackedSeq;
        private long ticks;
        private int droppedSinceSent;

        Guest(ManagedChannel channel, Hello hello, GuestCounters samples, long firstSendNanos) {
            this.channel = channel;
            this.hello = hello;
            this.samples = samples;
            this.nextSendNanos = firstSendNanos;
        }

        void open() {
            if (stopped) {
                return;
            }
            GuestReportGrpc.newStub(channel).report(this);
            stream.onNext(AgentMessage.newBuilder().setHello(hello).build());
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<AgentMessage> s) {
            stream = s;
        }

        @Override
        public void onNext(CollectorMessage m) {
            switch (m.getBodyCase()) {
                case WELCOME -> welcome(m.getWelcome().getLastSeq());
                case ACK -> {
                    long s = m.getAck().getSeq();
                    if (s > ackedSeq) {
                        counters.acked.addAndGet(s - ackedSeq);
                        ackedSeq = s;
                    }
                }
                case SET_INTERVAL -> {
                    counters.setIntervals.incrementAndGet();
                    intervalNanos =
                            TimeUnit.MILLISECONDS.toNanos(
                                    Math.max(10, m.getSetInterval().getIntervalMs()));
                }
                default -> {}
            }
        }

        private void welcome(long lastSeq) {
            // The collector holds everything up to lastSeq; we keep no buffer, so just go on from
            // there.
            seq = Math.max(seq, lastSeq);
            if (lastSeq > ackedSeq) {
                counters.acked.addAndGet(lastSeq - ackedSeq);
                ackedSeq = lastSeq;
            }
            if (!everWelcomed) {
                everWelcomed = true;
                counters.welcomed.incrementAndGet();
            }
            streaming = true;
            scheduleNext();
        }

        private void scheduleNext() {
            long now = System.nanoTime();
            while (nextSendNanos <= now - intervalNanos) {
                nextSendNanos += intervalNanos; // catch up after a pause without a burst
            }
            loop.schedule(this::tick, Math.max(0, nextSendNanos - now), TimeUnit.NANOSECONDS);
        }

        private void tick() {
            if (!streaming || stopped) {
                return;
            }
            nextSendNanos += intervalNanos;
            ticks++;
            seq++;
            if (stream.isReady()) {
                stream.onNext(
                        AgentMessage.newBuilder()
                                .setSample(
                                        samples.sample(seq, ticks, intervalNanos, droppedSinceSent))
                                .build());
                droppedSinceSent = 0;
                counters.sent.incrementAndGet();
            } else {
                counters.notReady.incrementAndGet();
                droppedSinceSent++;
            }
            scheduleNext();
        }

        long unacked() {
            return seq - ackedSeq;
        }

        void stop() {
            stopped = true;
            streaming = false;
        }

        void close() {
            if (stream != null) {
                stream.onCompleted();
            }
        }

        @Override
        public void onError(Throwable t) {
            ended = stopped;
            counters.streamErrors.incrementAndGet();
            streaming = false;
            if (!stopped && counters.streamErrors.get() <= 20) {
                System.err.println("stream error: " + Status.fromThrowable(t));
            }
            loop.schedule(this::open, RETRY_NANOS, TimeUnit.NANOSECONDS);
        }

        @Override
        public void onCompleted() {
            ended = stopped;
            streaming = false;
            if (!stopped) {
                loop.schedule(this::open, RETRY_NANOS, TimeUnit.NANOSECONDS);
            }
        }
    }
}
