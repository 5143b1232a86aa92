package io.vmpulse.agent.report;

import io.vmpulse.agent.wire.SampleBuffer;

/**
 * Samples taken but not yet acknowledged by the collector, oldest first, bounded, held as their
 * encoded bytes.
 *
 * <pre>
 *   seq:    head      head+1 ...       head+size-1
 *          +---------+---------+-----+------------+------------------+
 *   slots: | oldest  |         | ... |  newest    |  free            |   (circular, capacity N)
 *          +---------+---------+-----+------------+------------------+
 *             ^ droppedAtHead: samples discarded unacknowledged just before the oldest
 * </pre>
 *
 * <p>Sequence numbers in the ring are consecutive, so the sample with a given seq sits at a fixed
 * offset from the head and the sender keeps only a cursor (the last seq it wrote on the current
 * stream). Samples leave the ring in two ways: acknowledged ({@link #ackUpTo}), or pushed out of a
 * full ring by a newer one ({@link #append}). Only the second is a loss; it is counted and handed
 * out with the sample that becomes the oldest, for its {@code dropped_before}. A pushed-out sample
 * that had already been written to a stream that then broke may still have reached the collector;
 * the collector tells by {@code seq}.
 *
 * <p>Each slot is a {@link SampleBuffer} allocated the first time the ring reaches it and reused
 * from then on: appending and sending copy bytes and allocate nothing. The sampling thread appends
 * and sends, the link's reading thread acknowledges; the ring's monitor guards everything.
 */
final class SampleRing {

    private final SampleBuffer[] slots;
    private int head;
    private int size;
    private long headSeq = 1;
    private long droppedAtHead;
    private long droppedTotal;

    SampleRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ring capacity must be at least 1, got " + capacity);
        }
        slots = new SampleBuffer[capacity];
    }

    int capacity() {
        return slots.length;
    }

    /**
     * Copies in the newest sample; its seq must follow the previous one.
     *
     * @return true when the ring was full and the oldest sample was dropped to make room
     */
    synchronized boolean append(SampleBuffer sample) {
        long expected = headSeq + size;
        if (sample.seq() != expected) {
            throw new IllegalStateException(
                    "sample seq " + sample.seq() + " appended, expected " + expected);
        }
        boolean dropped = size == slots.length;
        if (dropped) {
            head = next(head);
            size--;
            headSeq++;
            droppedAtHead++;
            droppedTotal++;
        }
        int tail = (head + size) % slots.length;
        if (slots[tail] == null) {
            slots[tail] = new SampleBuffer();
        }
        slots[tail].copyFrom(sample);
        size++;
        return dropped;
    }

    /** Forgets every sample with seq <= {@code seq}: the collector holds them. */
    synchronized void ackUpTo(long seq) {
        boolean freed = false;
        while (size > 0 && headSeq <= seq) {
            head = next(head);
            size--;
            headSeq++;
            freed = true;
        }
        if (freed) {
            droppedAtHead = 0;
        }
    }

    /**
     * Copies the oldest sample with seq > {@code cursor} into {@code into}.
     *
     * @return how many samples were lost just before it (its {@code dropped_before}), or -1 when
     *     the ring holds no sample after {@code cursor} and {@code into} is untouched
     */
    synchronized long copyAfter(long cursor, SampleBuffer into) {
        long seq = Math.max(cursor + 1, headSeq);
        long offset = seq - headSeq;
        if (offset >= size) {
            return -1;
        }
        into.copyFrom(slots[(int) ((head + offset) % slots.length)]);
        return offset == 0 ? droppedAtHead : 0;
    }

    synchronized int size() {
        return size;
    }

    /** Samples pushed out unacknowledged since the agent started. */
    synchronized long droppedTotal() {
        return droppedTotal;
    }

    private int next(int index) {
        return index + 1 == slots.length ? 0 : index + 1;
    }
}
