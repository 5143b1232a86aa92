package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.agent.wire.SampleBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SampleRingTest {

    /** A sample whose bytes say its seq, so that a copy from the wrong slot shows. */
    private static SampleBuffer seq(long seq) {
        SampleBuffer b = new SampleBuffer();
        b.clear(seq);
        byte[] bytes = new byte[(int) (seq % 7) + 1];
        Arrays.fill(bytes, (byte) seq);
        b.append(bytes, 0, bytes.length);
        return b;
    }

    private static SampleRing filled(int capacity, long upTo) {
        SampleRing ring = new SampleRing(capacity);
        for (long s = 1; s <= upTo; s++) {
            ring.append(seq(s));
        }
        return ring;
    }

    private final SampleBuffer out = new SampleBuffer();

    @Test
    void samples_come_out_oldest_first_after_the_cursor_with_their_bytes() {
        SampleRing ring = filled(4, 3);
        assertEquals(0, ring.copyAfter(0, out));
        assertEquals(1, out.seq());
        assertArrayEquals(
                Arrays.copyOf(seq(1).array(), seq(1).length()),
                Arrays.copyOf(out.array(), out.length()));
        assertEquals(0, ring.copyAfter(2, out));
        assertEquals(3, out.seq());
        assertArrayEquals(
                Arrays.copyOf(seq(3).array(), seq(3).length()),
                Arrays.copyOf(out.array(), out.length()));
        assertEquals(-1, ring.copyAfter(3, out));
        assertEquals(3, out.seq(), "nothing copied when there is no sample after the cursor");
    }

    @Test
    void a_full_ring_drops_the_oldest_and_reports_the_loss_on_the_next_oldest() {
        SampleRing ring = filled(3, 3);
        assertTrue(ring.append(seq(4)));
        assertTrue(ring.append(seq(5)));
        assertEquals(3, ring.size());
        assertEquals(2, ring.droppedTotal());
        assertEquals(2, ring.copyAfter(0, out));
        assertEquals(3, out.seq());
        assertEquals(0, ring.copyAfter(3, out));
        assertEquals(4, out.seq());
    }

    @Test
    void the_loss_count_stays_until_the_sample_carrying_it_is_acknowledged() {
        SampleRing ring = filled(3, 4);
        ring.ackUpTo(1); // seq 1 was pushed out, not stored: this frees nothing
        assertEquals(1, ring.copyAfter(0, out));
        assertEquals(2, out.seq());
        ring.ackUpTo(2); // the collector has seq 2 and with it the count
        assertEquals(2, ring.size());
        assertEquals(0, ring.copyAfter(0, out));
        assertEquals(3, out.seq());
    }

    @Test
    void an_ack_beyond_the_newest_empties_the_ring_and_numbering_continues() {
        SampleRing ring = filled(3, 2);
        ring.ackUpTo(9);
        assertEquals(0, ring.size());
        assertFalse(ring.append(seq(3)));
        assertEquals(0, ring.copyAfter(0, out));
        assertEquals(3, out.seq());
    }

    @Test
    void a_sample_out_of_sequence_is_refused() {
        SampleRing ring = filled(3, 2);
        assertThrows(IllegalStateException.class, () -> ring.append(seq(4)));
    }
}
