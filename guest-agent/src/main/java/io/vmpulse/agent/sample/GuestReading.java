package io.vmpulse.agent.sample;

/**
 * One reading of the guest half, as the sampler left it: the moment it was taken, {@code
 * /proc/stat} ({@link #cpu()}), {@code /proc/meminfo} ({@link #memory()}) and one statvfs per
 * reported filesystem. The sampler refills the same reading in place at every read, so it is valid
 * until the next read and belongs to the sampling thread.
 */
public final class GuestReading {

    final CpuSnapshot cpu = new CpuSnapshot();
    final MemSnapshot memory = new MemSnapshot();
    private final FilesystemReader filesystems;
    private final long userHz;
    long wallTimeNanos;
    long monotonicNanos;

    GuestReading(FilesystemReader filesystems, long userHz) {
        this.filesystems = filesystems;
        this.userHz = userHz;
    }

    /** {@code CLOCK_REALTIME} just before the reads, in ns since the epoch. */
    public long wallTimeNanos() {
        return wallTimeNanos;
    }

    /** {@code CLOCK_MONOTONIC} just before the reads, in ns. */
    public long monotonicNanos() {
        return monotonicNanos;
    }

    /** USER_HZ ({@code AT_CLKTCK}): the unit of the ticks in {@link #cpu()}. */
    public long userHz() {
        return userHz;
    }

    public CpuSnapshot cpu() {
        return cpu;
    }

    public MemSnapshot memory() {
        return memory;
    }

    public int filesystemCount() {
        return filesystems.count();
    }

    public Statvfs filesystem(int i) {
        return filesystems.get(i);
    }
}
