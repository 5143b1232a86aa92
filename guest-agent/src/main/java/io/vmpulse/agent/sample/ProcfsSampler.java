package io.vmpulse.agent.sample;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The guest half, read from {@code /proc} and statvfs on Linux.
 *
 * <p>{@code /proc/stat} and {@code /proc/meminfo} are opened once and re-read with {@code pread} at
 * offset 0 into reused native buffers, then parsed in place into reused structs ({@link
 * CpuSnapshot}, {@link MemSnapshot}); {@code /proc/self/mountinfo} is re-read only when the kernel
 * flags a mount change, and each filesystem's statvfs lands in its own reused {@link Statvfs} (see
 * {@link FilesystemReader}), all held by one {@link GuestReading}. After warm-up a read allocates
 * nothing. /proc/stat ticks are kept as the kernel printed them, with USER_HZ from the auxiliary
 * vector ({@code AT_CLKTCK}), never assumed to be 100.
 *
 * <p>Failures: a /proc file that cannot be read throws {@link java.io.UncheckedIOException}, one
 * that does not parse throws {@link ProcFormatException}, each naming the file. A filesystem that
 * cannot be stat'ed does not fail the sample: it is reported with {@code error} set.
 *
 * <p>Timestamps: {@code monotonic_ns} is {@link System#nanoTime()}, which HotSpot on Linux reads
 * from {@code clock_gettime(CLOCK_MONOTONIC)}; {@code wall_time_unix_ns} is {@code
 * clock_gettime(CLOCK_REALTIME)} through {@link Libc}, because {@code Clock.systemUTC().instant()}
 * allocates an {@code Instant} per call (JDK 17's C2 does not scalar-replace it) and {@code
 * currentTimeMillis} has only ms. Both are taken just before the reads.
 *
 * <p>Not thread-safe: one thread samples.
 */
public final class ProcfsSampler implements GuestSampler {

    /** How long one sample waits for statvfs of a mount that might hang (NFS, FUSE, ...). */
    public static final Duration DEFAULT_STATFS_TIMEOUT = Duration.ofMillis(250);

    static final int INITIAL_STAT_BYTES = 64 << 10;
    static final int INITIAL_MEMINFO_BYTES = 8 << 10;

    /** Strings from mountinfo are cut to this many chars, to bound a sample. */
    static final int MAX_STRING_CHARS = 256;

    private final Path procRoot;
    private final long userHz;
    private final ProcFile stat;
    private final ProcFile meminfo;
    private final ProcStatParser statParser;
    private final MeminfoParser meminfoParser;
    private final FilesystemReader filesystems;
    private final GuestReading reading;
    final CpuSnapshot cpu;
    final MemSnapshot memory;

    /**
     * Samples this machine's {@code /proc}; {@code statfsTimeout} bounds statvfs of a mount that
     * might hang.
     */
    public ProcfsSampler(Duration statfsTimeout) {
        this(Path.of("/proc"), statfsTimeout);
    }

    /**
     * Samples {@code procRoot}: {@code stat}, {@code meminfo} and {@code self/mountinfo} beneath
     * it.
     */
    ProcfsSampler(Path procRoot, Duration statfsTimeout) {
        this.procRoot = procRoot;
        this.userHz = Libc.getauxval(Libc.AT_CLKTCK);
        if (userHz <= 0) {
            throw new IllegalStateException("the auxiliary vector has no AT_CLKTCK (USER_HZ)");
        }
        Path statPath = procRoot.resolve("stat");
        Path meminfoPath = procRoot.resolve("meminfo");
        this.statParser = new ProcStatParser(statPath.toString());
        this.meminfoParser = new MeminfoParser(meminfoPath.toString());
        this.stat = new ProcFile(statPath, INITIAL_STAT_BYTES);
        this.meminfo = new ProcFile(meminfoPath, INITIAL_MEMINFO_BYTES);
        this.filesystems = new FilesystemReader(procRoot.resolve("self/mountinfo"), statfsTimeout);
        this.reading = new GuestReading(filesystems, userHz);
        this.cpu = reading.cpu;
        this.memory = reading.memory;
    }

    @Override
    public GuestIdentity identity() {
        return new GuestIdentity(
                readLine("sys/kernel/random/boot_id"),
                readLine("sys/kernel/osrelease"),
                (int) userHz);
    }

    /**
     * Reads and parses every source into this sampler's reused reading: what the JMH benchmark
     * compares with plain C.
     */
    @Override
    public GuestReading read() {
        reading.monotonicNanos = System.nanoTime();
        reading.wallTimeNanos = Libc.realtimeNanos();
        stat.read();
        statParser.parse(stat.content(), cpu);
        meminfo.read();
        meminfoParser.parse(meminfo.content(), memory);
        filesystems.read();
        return reading;
    }

    long userHz() {
        return userHz;
    }

    FilesystemReader filesystems() {
        return filesystems;
    }

    /**
     * Cuts {@code s} to {@link #MAX_STRING_CHARS}, never between the two halves of a surrogate
     * pair.
     */
    static String bounded(String s) {
        if (s.length() <= MAX_STRING_CHARS) {
            return s;
        }
        int end =
                Character.isHighSurrogate(s.charAt(MAX_STRING_CHARS - 1))
                        ? MAX_STRING_CHARS - 1
                        : MAX_STRING_CHARS;
        return s.substring(0, end);
    }

    private String readLine(String relative) {
        return bounded(ProcText.read(procRoot.resolve(relative)));
    }

    @Override
    public void close() {
        filesystems.close();
        meminfo.close();
        stat.close();
    }
}
