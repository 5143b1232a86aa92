package io.vmpulse.registry.layout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A little-endian flyweight over a mapped registry file, with the memory orderings the seqlock
 * needs spelled out in the method names. Offsets are absolute within the file. Ordered accesses
 * ({@code Acquire}, {@code Release}, {@code Opaque}) need 8-aligned offsets, which the ABI
 * guarantees for every 8-byte field; the rest are plain accesses.
 */
public final class ShmBuffer {

    private static final VarHandle LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer buffer;

    public ShmBuffer(ByteBuffer buffer) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    public int capacity() {
        return buffer.capacity();
    }

    public long getLongAcquire(int offset) {
        return (long) LONG.getAcquire(buffer, offset);
    }

    public long getLongOpaque(int offset) {
        return (long) LONG.getOpaque(buffer, offset);
    }

    public void putLongOpaque(int offset, long value) {
        LONG.setOpaque(buffer, offset, value);
    }

    public void putLongRelease(int offset, long value) {
        LONG.setRelease(buffer, offset, value);
    }

    public long getLong(int offset) {
        return buffer.getLong(offset);
    }

    public void putLong(int offset, long value) {
        buffer.putLong(offset, value);
    }

    public int getInt(int offset) {
        return buffer.getInt(offset);
    }

    public void putInt(int offset, int value) {
        buffer.putInt(offset, value);
    }

    public short getShort(int offset) {
        return buffer.getShort(offset);
    }

    public void putShort(int offset, short value) {
        buffer.putShort(offset, value);
    }

    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        buffer.get(offset, dst, dstOffset, length);
    }

    public void putBytes(int offset, byte[] src, int srcOffset, int length) {
        buffer.put(offset, src, srcOffset, length);
    }
}
