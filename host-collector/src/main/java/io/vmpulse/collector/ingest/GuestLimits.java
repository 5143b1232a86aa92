package io.vmpulse.collector.ingest;

import java.time.Duration;

/**
 * Bounds on what one guest may send. The guest is untrusted, so every count, string and rate in the
 * wire contract has a ceiling here; anything above it is rejected before it reaches the merge step.
 *
 * <p>{@code maxMessageBytes} is enforced by gRPC itself on each message's length prefix, before any
 * of the message is buffered or parsed: a guest that announces a larger message is cut off (the
 * stream ends; the reject is counted and logged, see {@link TransportRejects}). Checking the size
 * after parsing would be too late: a megabyte of tiny unknown fields is tens of megabytes of heap
 * once parsed.
 *
 * @param maxMessageBytes largest message gRPC will read at all
 * @param maxCpus per-CPU entries in one sample
 * @param maxFilesystems filesystem entries in one sample
 * @param maxStringBytes any string field, in UTF-8 bytes
 * @param samplesPerSecond sustained rate a guest may send at
 * @param burst samples a guest may send back to back (a reconnect replays its buffer)
 * @param rejectsBeforeAbuse rejected messages in a row after which the stream is closed
 * @param minInterval shortest sampling interval the collector will ask for
 */
public record GuestLimits(
        int maxMessageBytes,
        int maxCpus,
        int maxFilesystems,
        int maxStringBytes,
        double samplesPerSecond,
        int burst,
        int rejectsBeforeAbuse,
        Duration minInterval) {

    public static final GuestLimits DEFAULT =
            new GuestLimits(128 * 1024, 1024, 64, 256, 20.0, 1200, 32, Duration.ofMillis(10));

    /** A message must hold at least a hello; above this one message alone is a heap risk. */
    public static final int MIN_MESSAGE_BYTES = 1024;

    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** One sample an hour (the longest interval) up to far more than any sampler could need. */
    public static final double MIN_SAMPLES_PER_SECOND = 1.0 / 3600;

    public static final double MAX_SAMPLES_PER_SECOND = 100_000;
    public static final int MAX_BURST = 1_000_000;

    /**
     * @throws IllegalArgumentException naming the field and its allowed range
     */
    public GuestLimits {
        if (maxMessageBytes < MIN_MESSAGE_BYTES || maxMessageBytes > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException(
                    "max_message_bytes "
                            + maxMessageBytes
                            + " is outside "
                            + MIN_MESSAGE_BYTES
                            + ".."
                            + MAX_MESSAGE_BYTES);
        }
        // NaN fails both comparisons' negations, so it is tested first.
        if (Double.isNaN(samplesPerSecond)
                || samplesPerSecond < MIN_SAMPLES_PER_SECOND
                || samplesPerSecond > MAX_SAMPLES_PER_SECOND) {
            throw new IllegalArgumentException(
                    "samples_per_second "
                            + samplesPerSecond
                            + " is outside "
                            + MIN_SAMPLES_PER_SECOND
                            + ".."
                            + MAX_SAMPLES_PER_SECOND);
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException(
                    "burst " + Integer.toUnsignedString(burst) + " is outside 1.." + MAX_BURST);
        }
        if (maxCpus < 1 || maxFilesystems < 1 || maxStringBytes < 1 || rejectsBeforeAbuse < 1) {
            throw new IllegalArgumentException(
                    "max_cpus, max_filesystems and max_string_bytes must be positive");
        }
        if (minInterval.isNegative() || minInterval.isZero()) {
            throw new IllegalArgumentException("minInterval must be positive");
        }
    }
}
