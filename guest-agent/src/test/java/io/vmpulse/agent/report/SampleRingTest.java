package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.Sample;
import org.junit.jupiter.api.Test;

class SampleRingTest {

    private static Sample seq(long seq) {
        return Sample.newBuilder().setSeq(seq).build();
    }

    private static SampleRing filled(int capacity, long upTo) {
        SampleRing ring = new SampleRing(capacity);
        for (long s = 1; s <= upTo; s++) {
            ring.append(seq(s));
        }
        return ring;
    }

    @Test
    void samples_come_out_oldest_first_after_the_cursor() {
        SampleRing ring = filled(4, 3);
        assertEquals(1, ring.after(0).getSeq());
        assertEquals(3, ring.after(2).getSeq());
        assertNull(ring.after(3));
    }

    @Test
    void a_full_ring_drops_the_oldest_and_reports_the_loss_on_the_next_oldest() {
        SampleRing ring = filled(3, 3);
        assertTrue(ring.append(seq(4)));
        assertTrue(ring.append(seq(5)));
        assertEquals(3, ring.size());
        assertEquals(2, ring.droppedTotal());
        Sample oldest = ring.after(0);
        assertEquals(3, oldest.getSeq());
        assertEquals(2, oldest.getDroppedBefore());
        assertEquals(0, ring.after(3).getDroppedBefore());
    }

    @Test
    void the_loss_count_stays_until_the_sample_carrying_it_is_acknowledged() {
        SampleRing ring = filled(3, 4);
        ring.ackUpTo(1); // seq 1 was pushed out, not stored: this frees nothing
        Sample oldest = ring.after(0);
        assertEquals(2, oldest.getSeq());
        assertEquals(1, oldest.getDroppedBefore());
        ring.ackUpTo(2); // the collector has seq 2 and with it the count
        assertEquals(2, ring.size());
        assertEquals(3, ring.after(0).getSeq());
        assertEquals(0, ring.after(0).getDroppedBefore());
    }

    @Test
    void an_ack_beyond_the_newest_empties_the_ring_and_numbering_continues() {
        SampleRing ring = filled(3, 2);
        ring.ackUpTo(9);
        assertEquals(0, ring.size());
        assertFalse(ring.append(seq(3)));
        assertEquals(3, ring.after(0).getSeq());
    }

    @Test
    void a_sample_out_of_sequence_is_refused() {
        SampleRing ring = filled(3, 2);
        assertThrows(IllegalStateException.class, () -> ring.append(seq(4)));
    }
}
