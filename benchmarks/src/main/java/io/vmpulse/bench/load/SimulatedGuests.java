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
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N simulated guest agents for {@code bench/collector-load.sh}: one gRPC {@code GuestReport} stream
 * per VM, each over that VM's own Unix socket, all sharing one Netty event loop (so the simulator
 * costs the machine one thread, not N). Each guest sends Hello, waits for Welcome, then one Sample
 * per interval; the N guests' sends are spread evenly over the interval, as N real agents started
 * at random times would be.
 *
 * <p>The samples are realistic in size and shape: one real sample of this machine is taken once
 * with the agent's own {@link ProcfsSampler}, and each guest moves its CPU, context-switch and fork
 * counters forward from there at a busy fraction of its own, so the collector derives real rates.
 * Each guest honours the protocol: it starts at the Welcome's {@code last_seq + 1}, takes {@code
 * SetInterval}, counts cumulative Acks, reports a sample skipped because the stream was not ready
 * as {@code dropped_before} on the next one, and reopens a failed stream after a second.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.vmpulse.bench.load.SimulatedGuests SOCKET_FORMAT N
 * SECONDS} where {@code SOCKET_FORMAT} is a {@link String#format} pattern with one {@code %d}
 * (0..N-1), e.g. {@code /tmp/load/vm-%d.vsock_1024}. Prints a status line every 10 s and a summary
 * at the end; exits 0 when every guest was welcomed and every sample it sent was acknowledged by
 * the time the collector ended its half-closed stream, 1 otherwise, 2 on a usage error.
 */
public final class SimulatedGuests {

    private static final long STATUS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int DEFAULT_INTERVAL_MS = 1000;

    private final AtomicLong welcomed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong streamErrors = new AtomicLong();
    private final AtomicLong notReady = new AtomicLong();
    private final AtomicLong setIntervals = new AtomicLong();

    private SimulatedGuests() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[0].contains("%d")) {
            System.err.println("usage: SimulatedGuests SOCKET_FORMAT(with %d) N SECONDS");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        Duration duration = Duration.ofSeconds(Long.parseLong(args[2]));
        System.exit(new SimulatedGuests().run(args[0], n, duration));
    }

    private int run(String socketFormat, int n, Duration duration) throws Exception {
        Hello.Builder identity =
                Hello.newBuilder()
                        .setAgentName("vmpulse-simulated-guest")
                        .setAgentVersion("0.0.0-bench");
        Sample real;
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            GuestIdentity guest = sampler.identity();
            identity.setBootId(guest.bootId())
                    .setKernelRelease(guest.kernelRelease())
                    .setUserHz(guest.userHz());
            SampleBuffer buffer = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), DEFAULT_INTERVAL_MS, buffer);
            real = Sample.parseFrom(ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
        }
        System.out.println(
                "simulating "
                        + n
                        + " guests for "
                        + duration.toSeconds()
                        + " s; one sample is "
                        + AgentMessage.newBuilder().setSample(real).build().getSerializedSize()
                        + " bytes ("
                        + real.getCpu().getPerCpuCount()
                        + " CPUs, "
                        + real.getFilesystemsCount()
                        + " filesystems)");

        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory("sim-io", true), EpollIoHandler.newFactory());
        EventLoop loop = group.next();
        SplittableRandom random = new SplittableRandom(42);
        List<Guest> guests = new ArrayList<>(n);
        long start = System.nanoTime();
        long spread = TimeUnit.MILLISECONDS.toNanos(DEFAULT_INTERVAL_MS) / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            ManagedChannel channel =
                    NettyChannelBuilder.forAddress(
                                    new DomainSocketAddress(String.format(socketFormat, i)))
                            .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
                            .eventLoopGroup(group)
                            .directExecutor()
                            .usePlaintext()
                            .build();
            Guest g =
                    new Guest(
                            channel,
                            loop,
                            identity.clone()
                                    .setBootId(UUID.randomUUID().toString())
                                    .setAgentInstance(UUID.randomUUID().toString())
                                    .setIntervalMs(DEFAULT_INTERVAL_MS)
                                    .build(),
                            real,
                            0.05 + 0.55 * random.nextDouble(),
                            start + i * spread);
            guests.add(g);
            loop.execute(g::open);
        }

        long end = start + duration.toNanos();
        long nextStatus = start + STATUS_EVERY_NANOS;
        while (System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(end, nextStatus) - System.nanoTime()));
            if (System.nanoTime() >= nextStatus) {
                status("t=" + TimeUnit.NANOSECONDS.toSeconds(nextStatus - start) + "s");
                nextStatus += STATUS_EVERY_NANOS;
            }
        }
        // Stop sending and half-close, as an agent shutting down does: the collector acks what it
        // holds (it batches Acks, so the last few samples are acked only then) and ends the stream.
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
        status("end");
        System.out.println(
                "summary guests=" + n + " never_welcomed=" + neverWelcomed + " unacked=" + unacked);
        return neverWelcomed == 0 && unacked == 0 ? 0 : 1;
    }

    private void status(String when) {
        System.out.println(
                when
                        + " welcomed="
                        + welcomed.get()
                        + " sent="
                        + sent.get()
                        + " acked="
                        + acked.get()
                        + " stream_errors="
                        + streamErrors.get()
                        + " not_ready="
                        + notReady.get()
                        + " set_interval="
                        + setIntervals.get());
        System.out.flush();
    }

    /** One simulated agent. Every method runs on the shared event loop, so no locking. */
    private final class Guest implements ClientResponseObserver<AgentMessage, CollectorMessage> {

        private final ManagedChannel channel;
        private final EventLoop loop;
        private final Hello hello;
        private final Sample real;
        private final double busy;
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

        Guest(
                ManagedChannel channel,
                EventLoop loop,
                Hello hello,
                Sample real,
                double busy,
                long firstSendNanos) {
            this.channel = channel;
            this.loop = loop;
            this.hello = hello;
            this.real = real;
            this.busy = busy;
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
                        acked.addAndGet(s - ackedSeq);
                        ackedSeq = s;
                    }
                }
                case SET_INTERVAL -> {
                    setIntervals.incrementAndGet();
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
                acked.addAndGet(lastSeq - ackedSeq);
                ackedSeq = lastSeq;
            }
            if (!everWelcomed) {
                everWelcomed = true;
                welcomed.incrementAndGet();
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
                stream.onNext(AgentMessage.newBuilder().setSample(next()).build());
                droppedSinceSent = 0;
                sent.incrementAndGet();
            } else {
                notReady.incrementAndGet();
                droppedSinceSent++;
            }
            scheduleNext();
        }

        /** The real sample with this guest's counters moved forward by {@code ticks} intervals. */
        private Sample next() {
            Instant now = Instant.now();
            Sample.Builder b =
                    real.toBuilder()
                            .setSeq(seq)
                            .setWallTimeUnixNs(
                                    now.getEpochSecond() * 1_000_000_000L + now.getNano())
                            .setMonotonicNs(System.nanoTime())
                            .setIntervalMs((int) TimeUnit.NANOSECONDS.toMillis(intervalNanos))
                            .setDroppedBefore(droppedSinceSent);
            long perCpu = ticks * intervalNanos;
            int cpus = Math.max(1, b.getCpu().getPerCpuCount());
            advance(b.getCpuBuilder().getTotalBuilder(), perCpu * cpus);
            for (int i = 0; i < b.getCpu().getPerCpuCount(); i++) {
                advance(b.getCpuBuilder().getPerCpuBuilder(i).getTimesBuilder(), perCpu);
            }
            b.getCpuBuilder()
                    .setContextSwitches(real.getCpu().getContextSwitches() + ticks * 5_000)
                    .setForks(real.getCpu().getForks() + ticks * 3);
            long used = (long) (busy * real.getMemory().getTotalBytes() / 2);
            b.getMemoryBuilder()
                    .setFreeBytes(
                            Math.max(
                                    0,
                                    real.getMemory().getTotalBytes() - used - (ticks % 64) * 4096))
                    .setAvailableBytes(Math.max(0, real.getMemory().getTotalBytes() - used));
            return b.build();
        }

        private void advance(CpuTimes.Builder t, long elapsed) {
            long busyNs = (long) (elapsed * busy);
            t.setUserNs(t.getUserNs() + busyNs * 7 / 10)
                    .setSystemNs(t.getSystemNs() + busyNs * 25 / 100)
                    .setStealNs(t.getStealNs() + busyNs * 5 / 100)
                    .setIdleNs(t.getIdleNs() + elapsed - busyNs);
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
            streamErrors.incrementAndGet();
            streaming = false;
            if (!stopped && streamErrors.get() <= 20) {
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
