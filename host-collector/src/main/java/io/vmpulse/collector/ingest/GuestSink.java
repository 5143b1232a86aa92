package io.vmpulse.collector.ingest;

import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;

/**
 * Where accepted guest traffic for one VM goes. Calls for one VM arrive on one thread at a time and
 * in order; an implementation must return quickly (it runs on the ingest path) and hand any slow
 * work, such as host-side reads, to its own executor.
 */
public interface GuestSink {

    void guestConnected(Hello hello);

    /**
     * A validated sample, never a duplicate.
     *
     * @param receivedNanos host {@code System.nanoTime()} at arrival: the only clock that orders
     *     samples, since the guest's own timestamps are not trusted for that
     */
    void guestSample(Hello hello, Sample sample, Continuity verdict, long receivedNanos);

    void guestDisconnected(String reason);
}
