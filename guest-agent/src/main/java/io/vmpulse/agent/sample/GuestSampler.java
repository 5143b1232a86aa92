package io.vmpulse.agent.sample;

import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;

/**
 * Takes one reading of the guest half: {@code /proc/stat}, {@code /proc/meminfo} and the
 * {@code statvfs} of every real filesystem.
 *
 * <p>The sampler owns its open file descriptors and buffers and reuses them between calls, so it
 * is not thread-safe: one thread samples. The reporting loop stamps {@code seq},
 * {@code interval_ms} and {@code dropped_before}; the sampler fills everything else, including
 * the wall-clock and monotonic timestamps of the moment it read.
 */
public interface GuestSampler extends AutoCloseable {

    /** Fills what identifies this guest boot: {@code boot_id}, {@code kernel_release}, {@code user_hz}. */
    void identifyInto(Hello.Builder into);

    /** Reads every source now and writes the result into {@code into}, clearing what was there. */
    void sampleInto(Sample.Builder into);

    @Override
    void close();
}
