package io.vmpulse.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SampleBufferTest {

    @Test
    void copy_from_keeps_the_array_when_it_is_large_enough_and_grows_it_when_not() {
        SampleBuffer source = filled(100, 9);
        SampleBuffer copy = new SampleBuffer(200);
        byte[] array = copy.array();
        copy.copyFrom(source);
        assertSame(array, copy.array());
        assertEquals(9, copy.seq());
        assertArrayEquals(
                Arrays.copyOf(source.array(), 100), Arrays.copyOf(copy.array(), copy.length()));

        SampleBuffer larger = filled(300, 10);
        copy.copyFrom(larger);
        assertEquals(300, copy.length());
        assertEquals(400, copy.array().length, "doubled");
        assertEquals(10, copy.seq());
    }

    @Test
    void growth_stops_at_the_maximum_and_beyond_it_fails_saying_so_leaving_the_buffer_as_it_was() {
        SampleBuffer b = filled(10, 1);
        b.ensureCapacity(SampleBuffer.MAX_LENGTH / 2 + 1);
        b.ensureCapacity(SampleBuffer.MAX_LENGTH / 2 + 2);
        assertEquals(
                SampleBuffer.MAX_LENGTH, b.array().length, "doubling is capped at the maximum");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                b.append(
                                        new byte[SampleBuffer.MAX_LENGTH],
                                        0,
                                        SampleBuffer.MAX_LENGTH));
        assertTrue(
                e.getMessage().contains("exceeds the maximum of " + SampleBuffer.MAX_LENGTH),
                e.getMessage());
        assertEquals(10, b.length());
        assertThrows(
                IllegalArgumentException.class,
                () -> new SampleBuffer(SampleBuffer.MAX_LENGTH + 1));
    }

    private static SampleBuffer filled(int length, long seq) {
        SampleBuffer b = new SampleBuffer(0);
        b.clear(seq);
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) seq);
        b.append(bytes, 0, length);
        return b;
    }
}
