package io.vmpulse.agent.report;

import io.vmpulse.proto.v1.Sample;

/**
 * Samples taken but not yet acknowledged by the collector, oldest first, bounded.
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
 * full ring by a newer one ({@link #append}). Only the second is a loss; it is counted and stamped
 * into {@code dropped_before} of the sample that becomes the oldest. A pushed-out sample that had
 * already been written to a stream that then broke may still have reached the collector; the
 * collector tells by {@code seq}.
 *
 * <p>One thread appends (the sampler), one thread sends and acknowledges (the I/O thread); a monitor
 * guards the few fields they share. Every operation is O(1) except {@link #ackUpTo}, which clears
 * the slots it frees.
 */
final class SampleRing {

    private final Sample[] slots;
    private int head;
    private int size;
    private long headSeq = 1;
    private long droppedAtHead;
    private long droppedTotal;

    SampleRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ring capacity must be at least 1, got " + capacity);
        }
        slots = new Sample[capacity];
    }

    int capacity() {
        return slots.length;
    }

    /**
     * Adds the newest sample; its seq must follow the previous one.
     *
     * @return true when the ring was full and the oldest sample was dropped to make room
     */
    synchronized boolean append(Sample sample) {
        long expected = headSeq + size;
        if (sample.getSeq() != expected) {
            throw new IllegalStateException("sample seq " + sample.getSeq() + " appended, expected " + expected);
        }
        boolean dropped = size == slots.length;
        if (dropped) {
            slots[head] = null;
            head = next(head);
            size--;
            headSeq++;
            droppedAtHead++;
            droppedTotal++;
        }
        slots[(head + size) % slots.length] = sample;
        size++;
        return dropped;
    }

    /** Forgets every sample with seq <= {@code seq}: the collector holds them. */
    synchronized void ackUpTo(long seq) {
        boolean freed = false;
        while (size > 0 && headSeq <= seq) {
            slots[head] = null;
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
     * The oldest sample with seq > {@code cursor}, with {@code dropped_before} filled in when
     * samples were lost just before it; null when there is none.
     */
    synchronized Sample after(long cursor) {
        long seq = Math.max(cursor + 1, headSeq);
        long offset = seq - headSeq;
        if (offset >= size) {
            return null;
        }
        Sample sample = slots[(int) ((head + offset) % slots.length)];
        if (offset == 0 && droppedAtHead > 0) {
            return sample.toBuilder().setDroppedBefore((int) Math.min(droppedAtHead, 0xFFFF_FFFFL)).build();
        }
        return sample;
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
