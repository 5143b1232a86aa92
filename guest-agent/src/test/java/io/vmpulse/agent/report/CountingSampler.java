package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestIdentity;
import io.vmpulse.agent.sample.GuestReading;
import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sample.ProcfsSampler;
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
    public GuestReading read() {
        GuestReading reading = procfs.read();
        taken.incrementAndGet();
        return reading;
    }

    @Override
    public void close() {
        procfs.close();
    }
}
