package io.vmpulse.registry.layout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 64-bit hash stored in each sample's {@code checksum} field, so that a reader can tell a torn
 * copy from a consistent one independently of the seqlock.
 *
 * <p>Input: the sample bytes after the checksum field, {@code [8, length)}, taken as little-endian
 * 64-bit words {@code w[0..n)}. Word {@code i} belongs to lane {@code i % 8}; each lane absorbs its
 * words two at a time, so that one multiplication covers two words and eight independent lanes keep
 * the multiplier busy (the writer hashes on every publish):
 *
 * <pre>
 *   h[l] = SEED + l                                      for l in 0..7
 *   for each lane l, its words u[0], u[1], ... (u[k] = w[8k + l]), in pairs:
 *       h[l] = (h[l] ^ u[k] ^ rotl(u[k+1], 32)) * PRIME  for k = 0, 2, 4, ...
 *       (a lane with an odd number of words ends with h[l] = (h[l] ^ u[last]) * PRIME)
 *   r = h[0]; r = (r ^ h[l]) * PRIME for l in 1..7
 *   checksum = r ^ (r >>> 32)                            (all arithmetic mod 2^64)
 * </pre>
 *
 * Every step is a bijection of each word for the others fixed, so two inputs that differ in exactly
 * one word always hash differently; other differences collide with probability about 2^-64. It is
 * not a cryptographic hash and does not need to be.
 *
 * <p>A block of zeros multiplies each lane by {@code PRIME} (every pair it absorbs is 0), so {@link
 * #of(byte[], int, long)} hashes a sample whose unpublished blocks ({@link UsedBlocks}) are zero
 * without reading them: a run of {@code k} zero blocks is one multiplication by {@code PRIME^k} per
 * lane, and the result is the checksum of the whole sample.
 */
public final class RecordChecksum {

    public static final long SEED = 0x243F6A8885A308D3L;
    public static final long PRIME = 0x9E3779B97F4A7C15L;

    /** Bytes of one block: 8 lanes x 2 words. */
    private static final int BLOCK = 8 * 2 * 8;

    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** {@code PRIME^k} for runs of k zero blocks. */
    private static final long[] POWERS = new long[UsedBlocks.MAP_BLOCKS + 1];

    static {
        POWERS[0] = 1;
        for (int k = 1; k < POWERS.length; k++) {
            POWERS[k] = POWERS[k - 1] * PRIME;
        }
    }

    private RecordChecksum() {}

    /**
     * Hash of {@code sample[8, length)} as if every block ({@link UsedBlocks}) whose bit is clear
     * in {@code used} were zero, reading only the others; blocks from 64 on count as used. Equals
     * {@link #of(byte[], int)} when those blocks are zero.
     */
    public static long of(byte[] sample, int length, long used) {
        long h0 = SEED;
        long h1 = SEED + 1;
        long h2 = SEED + 2;
        long h3 = SEED + 3;
        long h4 = SEED + 4;
        long h5 = SEED + 5;
        long h6 = SEED + 6;
        long h7 = SEED + 7;
        int full = (length - 8) / BLOCK;
        int b = 0;
        int zeros = 0;
        while (b < full) {
            // A run of unused blocks, then a run of used ones hashed in a plain loop (the JIT
            // compiles that as tightly as the whole-sample one; a bit test per block does not).
            int z = b >= 64 ? b : Math.min(full, b + Long.numberOfTrailingZeros(used >>> b));
            zeros += z - b;
            int e = z >= 64 ? full : Math.min(full, z + Long.numberOfTrailingZeros(~used >>> z));
            if (e > z && zeros != 0) {
                long m = POWERS[zeros];
                h0 *= m;
                h1 *= m;
                h2 *= m;
                h3 *= m;
                h4 *= m;
                h5 *= m;
                h6 *= m;
                h7 *= m;
                zeros = 0;
            }
            for (int off = 8 + z * BLOCK, to = 8 + e * BLOCK; off < to; off += BLOCK) {
                h0 = (h0 ^ pair(sample, off)) * PRIME;
                h1 = (h1 ^ pair(sample, off + 8)) * PRIME;
                h2 = (h2 ^ pair(sample, off + 16)) * PRIME;
                h3 = (h3 ^ pair(sample, off + 24)) * PRIME;
                h4 = (h4 ^ pair(sample, off + 32)) * PRIME;
                h5 = (h5 ^ pair(sample, off + 40)) * PRIME;
                h6 = (h6 ^ pair(sample, off + 48)) * PRIME;
                h7 = (h7 ^ pair(sample, off + 56)) * PRIME;
            }
            b = e;
        }
        int off = 8 + full * BLOCK;
        long m = POWERS[zeros];
        h0 *= m;
        h1 *= m;
        h2 *= m;
        h3 *= m;
        h4 *= m;
        h5 *= m;
        h6 *= m;
        h7 *= m;
        if (b >= 64 || (used & (1L << b)) != 0) {
            h0 = tail(h0, sample, off, length);
            h1 = tail(h1, sample, off + 8, length);
            h2 = tail(h2, sample, off + 16, length);
            h3 = tail(h3, sample, off + 24, length);
            h4 = tail(h4, sample, off + 32, length);
            h5 = tail(h5, sample, off + 40, length);
            h6 = tail(h6, sample, off + 48, length);
            h7 = tail(h7, sample, off + 56, length);
        } else {
            // A short zero block: each lane with a word in it absorbs one zero.
            h0 = off < length ? h0 * PRIME : h0;
            h1 = off + 8 < length ? h1 * PRIME : h1;
            h2 = off + 16 < length ? h2 * PRIME : h2;
            h3 = off + 24 < length ? h3 * PRIME : h3;
            h4 = off + 32 < length ? h4 * PRIME : h4;
            h5 = off + 40 < length ? h5 * PRIME : h5;
            h6 = off + 48 < length ? h6 * PRIME : h6;
            h7 = off + 56 < length ? h7 * PRIME : h7;
        }
        return finish(h0, h1, h2, h3, h4, h5, h6, h7);
    }

    /** Hash of {@code sample[8, length)}; {@code length} is a multiple of 8. */
    public static long of(byte[] sample, int length) {
        long h0 = SEED;
        long h1 = SEED + 1;
        long h2 = SEED + 2;
        long h3 = SEED + 3;
        long h4 = SEED + 4;
        long h5 = SEED + 5;
        long h6 = SEED + 6;
        long h7 = SEED + 7;
        int off = 8;
        for (; off + BLOCK <= length; off += BLOCK) {
            h0 = (h0 ^ pair(sample, off)) * PRIME;
            h1 = (h1 ^ pair(sample, off + 8)) * PRIME;
            h2 = (h2 ^ pair(sample, off + 16)) * PRIME;
            h3 = (h3 ^ pair(sample, off + 24)) * PRIME;
            h4 = (h4 ^ pair(sample, off + 32)) * PRIME;
            h5 = (h5 ^ pair(sample, off + 40)) * PRIME;
            h6 = (h6 ^ pair(sample, off + 48)) * PRIME;
            h7 = (h7 ^ pair(sample, off + 56)) * PRIME;
        }
        h0 = tail(h0, sample, off, length);
        h1 = tail(h1, sample, off + 8, length);
        h2 = tail(h2, sample, off + 16, length);
        h3 = tail(h3, sample, off + 24, length);
        h4 = tail(h4, sample, off + 32, length);
        h5 = tail(h5, sample, off + 40, length);
        h6 = tail(h6, sample, off + 48, length);
        h7 = tail(h7, sample, off + 56, length);
        return finish(h0, h1, h2, h3, h4, h5, h6, h7);
    }

    private static long finish(
            long h0, long h1, long h2, long h3, long h4, long h5, long h6, long h7) {
        long r = h0;
        r = (r ^ h1) * PRIME;
        r = (r ^ h2) * PRIME;
        r = (r ^ h3) * PRIME;
        r = (r ^ h4) * PRIME;
        r = (r ^ h5) * PRIME;
        r = (r ^ h6) * PRIME;
        r = (r ^ h7) * PRIME;
        return r ^ (r >>> 32);
    }

    /** A lane's two words of one block: the one at {@code at} and the one 8 words later. */
    private static long pair(byte[] b, int at) {
        return (long) LONG.get(b, at) ^ Long.rotateLeft((long) LONG.get(b, at + 64), 32);
    }

    /** A lane's words in the last, partial block: none, one, or two. */
    private static long tail(long h, byte[] b, int at, int length) {
        if (at >= length) {
            return h;
        }
        long x = (long) LONG.get(b, at);
        if (at + 64 < length) {
            x ^= Long.rotateLeft((long) LONG.get(b, at + 64), 32);
        }
        return (h ^ x) * PRIME;
    }
}
