package io.vmpulse.collector.sample;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 64-bit hash stored in each sample's {@code checksum} field, so that a reader can tell a
 * torn copy from a consistent one independently of the seqlock.
 *
 * <p>Input: the sample bytes after the checksum field, {@code [8, length)}, taken as
 * little-endian 64-bit words {@code w[0..n)}. Four lanes run side by side so that the
 * multiplications pipeline (the hash is computed on every publish):
 *
 * <pre>
 *   h[l] = SEED + l                      for l in 0..3
 *   h[i % 4] = (h[i % 4] ^ w[i]) * PRIME  for i in 0..n-1      (all arithmetic mod 2^64)
 *   r = h[0]; r = (r ^ h[1]) * PRIME; r = (r ^ h[2]) * PRIME; r = (r ^ h[3]) * PRIME
 *   checksum = r ^ (r >>> 32)
 * </pre>
 *
 * Every step is a bijection of the running state for fixed input, so two inputs that differ in
 * exactly one word always hash differently; inputs differing in several words collide with
 * probability about 2^-64. It is not a cryptographic hash and does not need to be.
 */
public final class SampleChecksum {

    public static final long SEED = 0x243F6A8885A308D3L;
    public static final long PRIME = 0x9E3779B97F4A7C15L;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SampleChecksum() {
    }

    /** Hash of {@code sample[8, length)}; {@code length} is a multiple of 8. */
    public static long of(byte[] sample, int length) {
        long h0 = SEED;
        long h1 = SEED + 1;
        long h2 = SEED + 2;
        long h3 = SEED + 3;
        int off = 8;
        for (; off + 32 <= length; off += 32) {
            h0 = (h0 ^ (long) LONG.get(sample, off)) * PRIME;
            h1 = (h1 ^ (long) LONG.get(sample, off + 8)) * PRIME;
            h2 = (h2 ^ (long) LONG.get(sample, off + 16)) * PRIME;
            h3 = (h3 ^ (long) LONG.get(sample, off + 24)) * PRIME;
        }
        if (off < length) {
            h0 = (h0 ^ (long) LONG.get(sample, off)) * PRIME;
        }
        if (off + 8 < length) {
            h1 = (h1 ^ (long) LONG.get(sample, off + 8)) * PRIME;
        }
        if (off + 16 < length) {
            h2 = (h2 ^ (long) LONG.get(sample, off + 16)) * PRIME;
        }
        long r = h0;
        r = (r ^ h1) * PRIME;
        r = (r ^ h2) * PRIME;
        r = (r ^ h3) * PRIME;
        return r ^ (r >>> 32);
    }
}
