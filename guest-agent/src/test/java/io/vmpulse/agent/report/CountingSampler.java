package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.util.concurrent.atomic.AtomicLong;

/** The real sampler of this machine's /proc, counting the samples it takes, sent or not. */
final class CountingSampler implements GuestSampler {

    private final ProcfsSampler procfs = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
    private final AtomicLong taken = new AtomicLong();

    long taken() {
        return taken.get();
    }

    @Override
    public void identifyInto(Hello.Builder into) {
        procfs.identifyInto(into);
    }

    @Override
    public void sampleInto(Sample.Builder into) {
        procfs.sampleInto(into);
        taken.incrementAndGet();
    }

    @Override
    public void close() {
        procfs.close();
    }
}
