package io.vmpulse.bench.load;

import static io.vmpulse.registry.layout.RegistryLayout.SLOTS_OFFSET_OFFSET;
import static io.vmpulse.registry.layout.RegistryLayout.SLOT_COUNT_OFFSET;
import static io.vmpulse.registry.layout.RegistryLayout.SLOT_SEQ_OFFSET;
import static io.vmpulse.registry.layout.RegistryLayout.SLOT_SIZE_OFFSET;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Times the guest-to-registry path from the reader's side: polls every slot of a registry and, for
 * each new guest sample a slot shows, takes {@code now - guest_mono_ns} (the simulated guest stamps
 * its sample with this host's CLOCK_MONOTONIC, see {@link GuestFleet}) and checks that its {@code
 * guest_seq} follows the one seen before. A seq that skips ahead is a gap only when the slot was
 * published fewer times than seqs were skipped (its seqlock word moves by 2 per publish); otherwise
 * the sample was published but overwritten within one poll, counted apart as published unseen.
 *
 * <p>Each poll first reads only each slot's seqlock word (one load per slot, through a mapping of
 * its own), and takes a consistent copy with {@link RegistryReader#read} only of a slot whose word
 * moved; a full copy of 4,096 slots every poll would cost the reader more than the collector. The
 * figures are as fine as the poll period: a latency is late by at most one period.
 *
 * <p>Runs on its own thread until {@link #stop}; every figure is read after that, and {@link
 * #close} after the figures.
 */
final class RegistryLatencyProbe implements Runnable, AutoCloseable {

    private final RegistryReader reader;
    private final MappedByteBuffer words;
    private final int slotCount;
    private final int slotSize;
    private final long slotsOffset;
    private final long pollNanos;
    private final Predicate<String> measured;

    private final long[] lastWord;
    private final long[] lastGuestSeq;
    private final long[] wordAtLastGuestSeq;
    private final boolean[] isMeasured;
    private final String[] vmIds;

    private long[] latencies = new long[1 << 16];
    private int latencyCount;
    private volatile boolean recording;
    private volatile boolean stopped;

    private long samplesSeen;
    private long unpublished;
    private long unobserved;
    private long seqBackwards;
    private long polls;
    private long failedReads;
    private long cpuNanos;

    /**
     * @param measured which VM ids count (the well-behaved ones)
     */
    RegistryLatencyProbe(Path registry, Duration poll, Predicate<String> measured)
            throws IOException {
        this.reader = RegistryReader.open(registry);
        try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.READ)) {
            this.words = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
        words.order(ByteOrder.LITTLE_ENDIAN);
        this.slotCount = words.getInt(SLOT_COUNT_OFFSET);
        this.slotSize = words.getInt(SLOT_SIZE_OFFSET);
        this.slotsOffset = words.getLong(SLOTS_OFFSET_OFFSET);
        this.pollNanos = poll.toNanos();
        this.measured = measured;
        this.lastWord = new long[slotCount];
        this.lastGuestSeq = new long[slotCount];
        this.wordAtLastGuestSeq = new long[slotCount];
        this.isMeasured = new boolean[slotCount];
        this.vmIds = new String[slotCount];
    }

    /** From now on, latencies are kept (before: only seq continuity is followed). */
    void startRecording() {
        recording = true;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        long cpu0 = threadCpu();
        SlotSnapshot snap = reader.newSnapshot();
        while (!stopped) {
            long next = System.nanoTime() + pollNanos;
            poll(snap);
            polls++;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        cpuNanos = threadCpu() - cpu0;
    }

    @Override
    public void close() {
        reader.close();
    }

    private static long threadCpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private void poll(SlotSnapshot snap) {
        for (int slot = 0; slot < slotCount; slot++) {
            long word =
                    words.getLong((int) (slotsOffset + (long) slot * slotSize) + SLOT_SEQ_OFFSET);
            if (word == lastWord[slot] || (word & 1) != 0) {
                continue;
            }
            if (!reader.read(slot, snap)) {
                failedReads++;
                continue;
            }
            long now = System.nanoTime();
            lastWord[slot] = snap.seq();
            if (!snap.isFree() && vmIds[slot] == null) {
                vmIds[slot] = snap.vmId();
                isMeasured[slot] = measured.test(vmIds[slot]);
            }
            if (!isMeasured[slot]) {
                continue;
            }
            VmRecord r = snap.sample();
            long guestSeq = r.getLong(RecordFields.GUEST_SEQ);
            long last = lastGuestSeq[slot];
            if (guestSeq == last || guestSeq == 0) {
                continue; // republished without a new guest sample (host half, flags)
            }
            samplesSeen++;
            if (last != 0 && guestSeq > last + 1) {
                // Each publish moves the slot's word by 2: fewer publishes than new seqs means
                // some sample was never published; as many or more, that it was only not seen
                // here (two publishes within one poll).
                long k = guestSeq - last;
                long publishes = (snap.seq() - wordAtLastGuestSeq[slot]) / 2;
                if (publishes < k) {
                    unpublished += k - publishes;
                } else {
                    unobserved += k - 1;
                }
            } else if (guestSeq < last) {
                seqBackwards++;
            }
            lastGuestSeq[slot] = guestSeq;
            wordAtLastGuestSeq[slot] = snap.seq();
            if (recording) {
                if (latencyCount == latencies.length) {
                    latencies = Arrays.copyOf(latencies, latencies.length * 2);
                }
                latencies[latencyCount++] = now - r.getLong(RecordFields.GUEST_MONO_NS);
            }
        }
    }

    /** The figures, once {@link #run} has returned. */
    String report() {
        long[] l = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(l);
        return String.format(
                "latency samples=%d p50=%.2fms p99=%.2fms p999=%.2fms max=%.2fms;"
                        + " seq: samples_seen=%d gaps=%d backwards=%d published_unseen=%d;"
                        + " probe: polls=%d"
                        + " failed_reads=%d cpu=%.1fs",
                l.length,
                ms(percentile(l, 0.50)),
                ms(percentile(l, 0.99)),
                ms(percentile(l, 0.999)),
                ms(l.length == 0 ? 0 : l[l.length - 1]),
                samplesSeen,
                unpublished,
                seqBackwards,
                unobserved,
                polls,
                failedReads,
                cpuNanos / 1e9);
    }

    /**
     * Samples that never reached the registry (at least: a host-side publish in between hides one),
     * plus seqs that went backwards.
     */
    long seqGaps() {
        return unpublished + seqBackwards;
    }

    long measuredSlots() {
        long n = 0;
        for (boolean m : isMeasured) {
            n += m ? 1 : 0;
        }
        return n;
    }

    /** Sum of {@code field} over the measured slots, read now. */
    long sum(RecordField field) {
        SlotSnapshot snap = reader.newSnapshot();
        long[] total = {0};
        reader.forEachLive(
                snap,
                s -> {
                    if (measured.test(s.vmId())) {
                        total[0] += s.sample().getLong(field);
                    }
                });
        return total[0];
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
