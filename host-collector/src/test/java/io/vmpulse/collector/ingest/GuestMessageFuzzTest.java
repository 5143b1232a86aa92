package io.vmpulse.collector.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.stub.ServerCallStreamObserver;
import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.merge.RecordMerger;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.VmRecord;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Raw bytes from a guest through the collector's own path: the marshaller gRPC calls, the stream's
 * checks (ShapeCheck, continuity, duplicates, rate limit) and the merge into a record. Whatever the
 * bytes, each message ends accepted, dropped as a duplicate, or as a counted reject, never in an
 * exception. The input is a run of messages, each a 2-byte big-endian length and that many bytes.
 * `mvn verify` replays the corpus in src/test/resources; docs/fuzzing.md says how to fuzz.
 */
class GuestMessageFuzzTest {

    private static final GuestLimits LIMITS =
            new GuestLimits(
                    16 * 1024,
                    64,
                    8,
                    64,
                    GuestLimits.MAX_SAMPLES_PER_SECOND,
                    GuestLimits.MAX_BURST,
                    5,
                    Duration.ofMillis(10));

    /** Timers (hello deadline, throttling) never fire here: each input is one burst. */
    private static final ScheduledThreadPoolExecutor NO_TIMERS =
            new ScheduledThreadPoolExecutor(1) {
                @Override
                public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                    return null;
                }
            };

    /**
     * When fuzzing, each input is a new VM whose first reject line would be printed: millions of
     * lines. Only then (JAZZER_FUZZ): in regression mode this JVM runs other tests that read that
     * log. Held: JUL keeps loggers only weakly.
     */
    private static final java.util.logging.Logger QUIET =
            java.util.logging.Logger.getLogger(GuestLink.class.getName());

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            QUIET.setLevel(java.util.logging.Level.OFF);
        }
    }

    @FuzzTest(maxDuration = "3h")
    void any_bytes_end_accepted_or_as_a_counted_reject(byte[] data) {
        MergingSink sink = new MergingSink();
        GuestLink link = new GuestLink("fuzz", LIMITS, Duration.ofHours(1), sink, NO_TIMERS);
        FakeCall call = new FakeCall();
        GuestStream stream = (GuestStream) link.open(call);
        int at = 0;
        while (at + 2 <= data.length && !call.ended) {
            int len =
                    Math.min(
                            ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff), data.length - at - 2);
            byte[] message = new byte[len];
            System.arraycopy(data, at + 2, message, 0, len);
            at += 2 + len;

            AgentMessage m =
                    new AgentMessageMarshaller().parse(new java.io.ByteArrayInputStream(message));
            long rejectedBefore = link.stats().rejected();
            stream.onNext(m);
            if (AgentMessageMarshaller.isMalformed(m)
                    && link.stats().rejected() != rejectedBefore + 1) {
                throw new AssertionError("malformed bytes were not counted as a reject");
            }
        }
        if (!call.ended) {
            stream.onCompleted();
        }
    }

    /** What a VM's session does with an accepted sample: merge it and seal the record. */
    private static final class MergingSink implements GuestSink {
        private final RecordMerger merger = new RecordMerger();
        private final VmRecord record = new VmRecord();

        @Override
        public void guestConnected(Hello hello) {
            LogText.quote(hello.getAgentName());
        }

        @Override
        public void guestSample(
                Hello hello, Sample sample, Continuity verdict, long receivedNanos) {
            merger.guestArrived(record, sample, hello, verdict, receivedNanos, 0, null);
            merger.seal(
                    record,
                    new io.vmpulse.collector.merge.IngestCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true),
                    receivedNanos,
                    1_000_000_000L,
                    false);
        }

        @Override
        public void guestDisconnected(String reason) {
            LogText.quote(reason);
        }
    }

    /**
     * The server side of one call, as gRPC would hand it to the service: always ready, records the
     * end.
     */
    private static final class FakeCall extends ServerCallStreamObserver<CollectorMessage> {
        boolean ended;

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void disableAutoRequest() {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void onNext(CollectorMessage value) {
            value.getSerializedSize();
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
        }

        @Override
        public void onCompleted() {
            ended = true;
        }
    }
}
