package io.vmpulse.exporter.metrics;

/** Registry integers as the doubles Prometheus carries. */
final class Values {

    private static final double NANOS_PER_SECOND = 1e9;

    private Values() {}

    /** A u64 field: Java holds it in a signed long, values of 2^63 and above are negative there. */
    static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** A u64 nanosecond field in seconds. */
    static double seconds(long nanos) {
        return unsigned(nanos) / NANOS_PER_SECOND;
    }
}
