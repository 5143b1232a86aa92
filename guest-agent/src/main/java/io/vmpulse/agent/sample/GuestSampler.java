package io.vmpulse.agent.sample;

/**
 * Takes one reading of the guest half: {@code /proc/stat}, {@code /proc/meminfo} and the {@code
 * statvfs} of every real filesystem, into reused snapshots ({@link GuestReading}).
 *
 * <p>The sampler owns its open file descriptors and buffers and reuses them between calls, so it is
 * not thread-safe: one thread samples. Numbering and encoding the reading is the caller's ({@code
 * io.vmpulse.agent.wire.SampleEncoder}).
 */
public interface GuestSampler extends AutoCloseable {

    /** What identifies this guest boot, read now. Allocates: call it once per connection. */
    GuestIdentity identity();

    /**
     * Reads every source now into the sampler's reading and returns it; the reading is refilled by
     * the next call. Allocates nothing in the steady state (once the snapshots have grown to this
     * guest's CPU and filesystem counts, and while no filesystem fails in a new way).
     */
    GuestReading read();

    @Override
    void close();
}
