package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.wire.GuestIdentity;
import io.vmpulse.agent.wire.SampleBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** The real sampler of this machine's /proc, counting the samples it takes, sent or not. */
final class CountingSampler implements GuestSampler {

    private final ProcfsSampler procfs = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
    private final AtomicLong taken = new AtomicLong();

    long taken() {
        return taken.get();
    }

    @Override
    public GuestIdentity identity() {
        return procfs.identity();
    }

    @Override
    public void sampleInto(SampleBuffer into, long seq, int intervalMs) {
        procfs.sampleInto(into, seq, intervalMs);
        taken.incrementAndGet();
    }

    @Override
    public void close() {
        procfs.close();
    }
}
