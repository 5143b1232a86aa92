package io.vmpulse.bench.load;

import io.vmpulse.agent.transport.CollectorAddress;
import io.vmpulse.agent.transport.Connections;
import io.vmpulse.agent.transport.GrpcCall;
import io.vmpulse.agent.transport.GrpcStatus;
import io.vmpulse.agent.wire.CollectorMessages;
import io.vmpulse.agent.wire.MalformedMessageException;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.GuestReportGrpc;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * N well-behaved simulated guest agents like {@link GuestFleet}, but each speaks the guest agent's
 * own transport (the {@link Fleet.Transport#AGENT} transport): the agent's {@link GrpcCall} over
 * its own connection from {@link Connections} (the agent's JNI sockets) to the VM's Unix socket. So
 * the collector holds per connection what a real agent costs it: the agent sends its request
 * headers as HPACK literals without indexing and advertises SETTINGS_HEADER_TABLE_SIZE 0, so the
 * collector's HPACK decoder and encoder keep no dynamic table for it, where grpc-java's client
 * fills both. The agent's JNI library comes from the benchmarks jar, which carries it (the agent's
 * {@code NativeLibrary} writes it to a temporary file, as for {@code java -jar}).
 *
 * <p>Threads: {@link GrpcCall}'s reader blocks, so each guest has a reader thread of its own
 * ({@code agent-guest-I}, {@value #READER_STACK_BYTES}-byte stack), which connects, sends Hello,
 * reads the call until it ends and reconnects after a second: what the agent's {@code vmpulse-link}
 * thread does. One scheduler thread does the rest: it sends every guest's samples with {@link
 * GrpcCall#trySendMessage}, the N guests' sends spread evenly over the interval as in {@link
 * GuestFleet}, and owns every guest's state. The reader threads hand it Welcome, Ack, SetInterval
 * and the end of a call as tasks, so no guest state is shared between threads.
 *
 * <p>The protocol is {@link GuestFleet}'s: Hello, the Welcome's {@code last_seq + 1}, SetInterval,
 * cumulative Acks, a skipped sample reported as {@code dropped_before} on the next one, a failed
 * stream (or connect) reopened after a second, and a half-close at the end. Where it differs:
 *
 * <ul>
 *   <li>"not ready" is {@link GrpcCall#trySendMessage} returning false: the collector's
 *       flow-control window or the socket cannot take the whole message now, or an earlier
 *       message's tail is still unsent (grpc-java's {@code isReady} is its own buffer's mark). A
 *       tail the socket did not take is pushed with {@link GrpcCall#tryFlush} 10 ms later, as the
 *       agent's link does.
 *   <li>The collector's messages are decoded by the agent's {@link CollectorMessages}; the samples
 *       are still built with protobuf-java from {@link GuestCounters} (the agent builds them from
 *       its ring with its own encoder): the wire bytes are the same kind of AgentMessage either
 *       way, and the transport is what this fleet changes.
 *   <li>The half-close at the end waits at most {@value #HALF_CLOSE_TIMEOUT_MS} ms for the socket,
 *       as the agent's does.
 * </ul>
 */
final class AgentGuestFleet implements Fleet {

    /** Room for GrpcCall's reader, HPACK decoding and the listener; the JVM default is 1 MiB. */
    static final int READER_STACK_BYTES = 256 * 1024;

    static final long HALF_CLOSE_TIMEOUT_MS = 1000;

    /** As the agent: the collector only sends small control messages. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 4096;

    private static final String METHOD_PATH =
            "/" + GuestReportGrpc.getReportMethod().getFullMethodName();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FLUSH_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final FleetCounters counters = new FleetCounters();
    private final ScheduledThreadPoolExecutor scheduler;
    private final List<Guest> guests;
    private final String sampleDescription;

    /**
     * Connects {@code n} guests to {@code String.format(socketFormat, i)} for i in 0..n-1 and
     * starts them; returns at once.
     */
    AgentGuestFleet(String socketFormat, int n) throws Exception {
        Hello.Builder identity = GuestFleet.identity();
        Sample real = GuestFleet.realSample(identity);
        sampleDescription = GuestFleet.describe(real);
        scheduler =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "agent-fleet-send");
                            t.setDaemon(true);
                            return t;
                        });
        SplittableRandom random = new SplittableRandom(42);
        guests = new ArrayList<>(n);
        long start = System.nanoTime();
        long interval = TimeUnit.MILLISECONDS.toNanos(GuestFleet.DEFAULT_INTERVAL_MS);
        long spread = interval / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            Hello hello =
                    identity.clone()
                            .setBootId(UUID.randomUUID().toString())
                            .setAgentInstance(UUID.randomUUID().toString())
                            .setIntervalMs(GuestFleet.DEFAULT_INTERVAL_MS)
                            .build();
            Guest g =
                    new Guest(
                            i,
                            CollectorAddress.parse("unix://" + String.format(socketFormat, i)),
                            AgentMessage.newBuilder().setHello(hello).build().toByteArray(),
                            new GuestCounters(real, 0.05 + 0.55 * random.nextDouble()),
                            start + i * spread);
            guests.add(g);
            g.reader.start();
        }
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
        for (Guest g : guests) {
            g.stopped = true;
        }
        scheduler.submit(() -> guests.forEach(Guest::halfClose)).get();
        long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < closeDeadline && guests.stream().anyMatch(Guest::callOpen)) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        // Runs after every Ack the readers handed over before their calls ended.
        long unacked =
                scheduler.submit(() -> guests.stream().mapToLong(g -> g.unacked()).sum()).get();
        long neverWelcomed =
                scheduler.submit(() -> guests.stream().filter(g -> !g.everWelcomed).count()).get();
        for (Guest g : guests) {
            g.cancel();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Guest g : guests) {
            g.reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        scheduler.shutdownNow();
        return new Summary(guests.size(), neverWelcomed, unacked);
    }

    /**
     * One simulated agent. {@link #run} is its reader thread; every other method, but {@link
     * #cancel} and {@link #callOpen}, runs on the scheduler thread.
     */
    private final class Guest implements Runnable {

        final Thread reader;
        private final CollectorAddress address;
        private final byte[] hello;
        private final GuestCounters samples;

        volatile boolean stopped;

        /** The call whose Hello went out, set by the reader; null between calls. */
        private volatile Session current;

        // The scheduler thread's own.
        private Session streaming;
        private boolean everWelcomed;
        private long intervalNanos = TimeUnit.MILLISECONDS.toNanos(GuestFleet.DEFAULT_INTERVAL_MS);
        private long nextSendNanos;
        private long seq;
        private long ackedSeq;
        private long ticks;
        private int droppedSinceSent;
        private boolean flushScheduled;

        Guest(
                int index,
                CollectorAddress address,
                byte[] hello,
                GuestCounters samples,
                long firstSendNanos) {
            this.address = address;
            this.hello = hello;
            this.samples = samples;
            this.nextSendNanos = firstSendNanos;
            this.reader = new Thread(null, this, "agent-guest-" + index, READER_STACK_BYTES);
            reader.setDaemon(true);
        }

        @Override
        public void run() {
            while (!stopped) {
                Session session = new Session();
                try {
                    session.call =
                            GrpcCall.open(
                                    Connections.open(address, CONNECT_TIMEOUT),
                                    "localhost",
                                    METHOD_PATH,
                                    session,
                                    MAX_INBOUND_MESSAGE_BYTES);
                } catch (IOException e) {
                    failed(e.toString());
                    pauseBeforeRetry();
                    continue;
                }
                try {
                    // Before reading starts, as the agent does: the initial window takes a Hello.
                    session.call.sendMessage(hello, 0, hello.length);
                } catch (IOException e) {
                    session.call.cancel();
                    failed(e.toString());
                    pauseBeforeRetry();
                    continue;
                }
                current = session;
                if (stopped) {
                    session.call.cancel(); // finish() ran before this call was current
                }
                session.call.readUntilEnd();
                current = null;
                if (!stopped) {
                    pauseBeforeRetry();
                }
            }
        }

        private void failed(String why) {
            if (counters.streamErrors.incrementAndGet() <= 20 && !stopped) {
                System.err.println("stream error: " + why);
            }
        }

        private void pauseBeforeRetry() {
            long deadline = System.nanoTime() + RETRY_NANOS;
            for (long left = RETRY_NANOS;
                    left > 0 && !stopped;
                    left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
            }
        }

        private void welcome(Session session, long lastSeq) {
            if (stopped || streaming == session) {
                return;
            }
            // The collector holds everything up to lastSeq; we keep no buffer, so just go on from
            // there.
            seq = Math.max(seq, lastSeq);
            acked(lastSeq);
            if (!everWelcomed) {
                everWelcomed = true;
                counters.welcomed.incrementAndGet();
            }
            streaming = session;
            scheduleNext(session);
        }

        private void acked(long s) {
            if (s > ackedSeq) {
                counters.acked.addAndGet(s - ackedSeq);
                ackedSeq = s;
            }
        }

        private void setInterval(int intervalMsUnsigned) {
            counters.setIntervals.incrementAndGet();
            intervalNanos =
                    TimeUnit.MILLISECONDS.toNanos(
                            Math.max(10, Integer.toUnsignedLong(intervalMsUnsigned)));
        }

        private void ended(Session session, GrpcStatus status) {
            if (streaming == session) {
                streaming = null;
            }
            if (!status.isOk()) {
                failed(status.toString());
            }
        }

        private void scheduleNext(Session session) {
            long now = System.nanoTime();
            while (nextSendNanos <= now - intervalNanos) {
                nextSendNanos += intervalNanos; // catch up after a pause without a burst
            }
            scheduler.schedule(
                    () -> tick(session), Math.max(0, nextSendNanos - now), TimeUnit.NANOSECONDS);
        }

        private void tick(Session session) {
            if (streaming != session || stopped) {
                return; // a tick of an ended call; the next call's Welcome schedules its own
            }
            nextSendNanos += intervalNanos;
            ticks++;
            seq++;
            byte[] message =
                    AgentMessage.newBuilder()
                            .setSample(samples.sample(seq, ticks, intervalNanos, droppedSinceSent))
                            .build()
                            .toByteArray();
            try {
                if (session.call.trySendMessage(message, 0, message.length)) {
                    droppedSinceSent = 0;
                    counters.sent.incrementAndGet();
                    flushLater(session);
                } else {
                    counters.notReady.incrementAndGet();
                    droppedSinceSent++;
                }
            } catch (IOException e) {
                // The call has ended; its reader sees that too and reconnects.
                droppedSinceSent++;
            }
            scheduleNext(session);
        }

        /** Pushes on the tail of a message the socket took only part of. */
        private void flushLater(Session session) {
            if (!session.call.hasPending() || flushScheduled) {
                return;
            }
            flushScheduled = true;
            scheduler.schedule(
                    () -> {
                        flushScheduled = false;
                        if (streaming == session) {
                            try {
                                session.call.tryFlush();
                            } catch (IOException e) {
                                return; // the call has ended
                            }
                            flushLater(session);
                        }
                    },
                    FLUSH_RETRY_NANOS,
                    TimeUnit.NANOSECONDS);
        }

        long unacked() {
            return seq - ackedSeq;
        }

        /** Stops sending and half-closes the call, as an agent shutting down does. */
        void halfClose() {
            streaming = null;
            Session session = current;
            if (session != null && !session.ended) {
                try {
                    session.call.halfClose(Duration.ofMillis(HALF_CLOSE_TIMEOUT_MS));
                } catch (IOException | IllegalStateException e) {
                    // Ended or half-closed already: nothing left to be polite to.
                }
            }
        }

        boolean callOpen() {
            Session session = current;
            return session != null && !session.ended;
        }

        void cancel() {
            Session session = current;
            if (session != null) {
                session.call.cancel();
            }
            LockSupport.unpark(reader);
        }

        /**
         * One call; its listener methods run on the reader thread and hand over to the scheduler.
         */
        private final class Session implements GrpcCall.Listener, CollectorMessages.Handler {
            GrpcCall call;
            volatile boolean ended;

            @Override
            public void onMessage(byte[] buf, int off, int len) {
                try {
                    CollectorMessages.decode(buf, off, len, this);
                } catch (MalformedMessageException e) {
                    failed("the collector sent a malformed message: " + e.getMessage());
                    call.cancel();
                }
            }

            @Override
            public void onClose(GrpcStatus status) {
                ended = true;
                hand(() -> ended(this, status));
            }

            @Override
            public void welcome(long lastSeq) {
                hand(() -> Guest.this.welcome(this, lastSeq));
            }

            @Override
            public void ack(long seq) {
                hand(() -> acked(seq));
            }

            @Override
            public void setInterval(int intervalMsUnsigned) {
                hand(() -> Guest.this.setInterval(intervalMsUnsigned));
            }

            @Override
            public void unknown() {
                // A newer collector's message: the agent ignores it too.
            }

            /** To the scheduler thread; dropped once finish() has shut it down. */
            private void hand(Runnable task) {
                try {
                    scheduler.execute(task);
                } catch (RejectedExecutionException e) {
                    // The fleet has finished: nothing reads the guest's state any more.
                }
            }
        }
    }
}
