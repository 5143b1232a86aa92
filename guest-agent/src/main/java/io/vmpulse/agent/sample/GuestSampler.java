package io.vmpulse.agent.sample;

import io.vmpulse.agent.wire.GuestIdentity;
import io.vmpulse.agent.wire.SampleBuffer;

/**
 * Takes one reading of the guest half: {@code /proc/stat}, {@code /proc/meminfo} and the
 * {@code statvfs} of every real filesystem, and encodes it as a {@code vmpulse.agent.v1.Sample}.
 *
 * <p>The sampler owns its open file descriptors and buffers and reuses them between calls, so it
 * is not thread-safe: one thread samples. The caller numbers samples ({@code seq}) and says which
 * interval is in force; {@code dropped_before} is added when a sample is sent
 * ({@link io.vmpulse.agent.wire.AgentMessages}). The sampler fills everything else, including the
 * wall-clock and monotonic timestamps of the moment it read.
 */
public interface GuestSampler extends AutoCloseable {

    /** What identifies this guest boot, read now. Allocates: call it once per connection. */
    GuestIdentity identity();

    /**
     * Reads every source now and encodes the sample into {@code out}, replacing what it held.
     * Allocates nothing in the steady state (once {@code out} and the sampler's arrays have grown
     * to this guest's CPU and filesystem counts, and while no filesystem fails in a new way).
     *
     * @param intervalMs the sampling interval in force, a uint32
     * @throws IllegalArgumentException when the sample would exceed {@link SampleBuffer#MAX_LENGTH}
     */
    void sampleInto(SampleBuffer out, long seq, int intervalMs);

    @Override
    void close();
}
