package io.vmpulse.agent.wire;

import java.util.Arrays;

/**
 * One encoded {@code vmpulse.agent.v1.Sample} message and its {@code seq}, in a reusable byte array
 * that grows (by doubling) only when a larger sample arrives, up to {@link #MAX_LENGTH}.
 *
 * <pre>
 *   array(): | Sample message bytes, no length prefix ........ | spare capacity |
 *            0                                           length()         array().length
 * </pre>
 *
 * The message carries {@code seq} as its field 1 too, first; it is kept beside the bytes so that
 * whoever buffers samples can order and acknowledge them without parsing. It is the seq the agent
 * process gave the sample: {@link AgentMessages#writeSample} puts the wire seq in its place.
 *
 * <p>Not thread-safe: a buffer is written by one thread at a time and handed over with whatever
 * synchronisation hands it over (or copied with {@link #copyFrom}).
 */
public final class SampleBuffer {

    /**
     * The largest sample accepted. The worst reading the sampler can produce (1,024 per-CPU lines,
     * 64 filesystems whose four strings each hold 256 three-byte UTF-8 chars, every number at its
     * widest varint) encodes to about 317 KiB; the next power of two leaves room for fields added
     * later and stays well under gRPC's default 4 MiB limit on an inbound message.
     */
    public static final int MAX_LENGTH = 512 << 10;

    /** Enough for a guest with a few dozen CPUs and filesystems without ever growing. */
    public static final int DEFAULT_CAPACITY = 4 << 10;

    private byte[] array;
    private int length;
    private long seq;

    public SampleBuffer() {
        this(DEFAULT_CAPACITY);
    }

    public SampleBuffer(int initialCapacity) {
        if (initialCapacity < 0 || initialCapacity > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "initial capacity " + initialCapacity + " is outside 0.." + MAX_LENGTH);
        }
        this.array = new byte[initialCapacity];
    }

    /**
     * The backing array: the message is {@code array()[0, length())}. Replaced when the buffer
     * grows.
     */
    public byte[] array() {
        return array;
    }

    public int length() {
        return length;
    }

    public long seq() {
        return seq;
    }

    /** Empties the buffer for a new sample numbered {@code seq}, keeping its capacity. */
    public void clear(long seq) {
        this.seq = seq;
        this.length = 0;
    }

    /**
     * Makes room for a message of {@code capacity} bytes, keeping what is written.
     *
     * @throws IllegalArgumentException beyond {@link #MAX_LENGTH}; the buffer is then unchanged
     */
    public void ensureCapacity(int capacity) {
        if (capacity > array.length) {
            if (capacity > MAX_LENGTH) {
                throw new IllegalArgumentException(
                        "a sample of "
                                + capacity
                                + " bytes exceeds the maximum of "
                                + MAX_LENGTH
                                + " (SampleBuffer.MAX_LENGTH)");
            }
            int grown = (int) Math.min(MAX_LENGTH, Math.max(capacity, 2L * array.length));
            array = Arrays.copyOf(array, grown);
        }
    }

    /**
     * Declares the first {@code length} bytes of {@link #array()}, written there directly, the
     * message.
     */
    void setLength(int length) {
        if (length < 0 || length > array.length) {
            throw new IllegalArgumentException(
                    "length " + length + " is outside 0.." + array.length);
        }
        this.length = length;
    }

    /**
     * Appends {@code len} bytes of {@code src} from {@code off}, growing as {@link #ensureCapacity}
     * does.
     */
    public void append(byte[] src, int off, int len) {
        ensureCapacity(length + len);
        System.arraycopy(src, off, array, length, len);
        length += len;
    }

    /**
     * Makes this buffer a copy of {@code other}; allocates only when this one is smaller than its
     * message.
     */
    public void copyFrom(SampleBuffer other) {
        length = 0;
        append(other.array, 0, other.length);
        seq = other.seq;
    }
}
