package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.GuestSampler;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import java.time.Instant;

/**
 * A sampler that reads only the clocks: the loop tests are about timing, numbering and delivery,
 * and this keeps them independent of what the machine's /proc holds.
 */
final class ClockSampler implements GuestSampler {

    @Override
    public void identifyInto(Hello.Builder into) {
        into.setBootId("test-boot").setKernelRelease(System.getProperty("os.version")).setUserHz(100);
    }

    @Override
    public void sampleInto(Sample.Builder into) {
        Instant now = Instant.now();
        into.clear()
                .setMonotonicNs(System.nanoTime())
                .setWallTimeUnixNs(now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    @Override
    public void close() {
    }
}
