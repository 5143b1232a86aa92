package io.vmpulse.collector.ingest;

import java.time.Duration;

/**
 * Bounds on what one guest may send. The guest is untrusted, so every count, string and rate in
 * the wire contract has a ceiling here; anything above it is rejected before it reaches the
 * merge step.
 *
 * <p>Two size tiers keep a stream alive through a single bad message: a message up to
 * {@code transportMaxBytes} is read and, if above {@code maxMessageBytes}, rejected and counted
 * while the stream stays up; a message above {@code transportMaxBytes} is refused by gRPC itself
 * and ends the stream, since only an abusive peer sends that (it is counted and logged as rejected
 * too, see {@link TransportRejects}).
 *
 * @param maxMessageBytes    largest message accepted
 * @param transportMaxBytes  largest message gRPC will read at all
 * @param maxCpus            per-CPU entries in one sample
 * @param maxFilesystems     filesystem entries in one sample
 * @param maxStringBytes     any string field, in UTF-8 bytes
 * @param samplesPerSecond   sustained rate a guest may send at
 * @param burst              samples a guest may send back to back (a reconnect replays its buffer)
 * @param rejectsBeforeAbuse rejected messages in a row after which the stream is closed
 * @param minInterval        shortest sampling interval the collector will ask for
 */
public record GuestLimits(
        int maxMessageBytes,
        int transportMaxBytes,
        int maxCpus,
        int maxFilesystems,
        int maxStringBytes,
        double samplesPerSecond,
        int burst,
        int rejectsBeforeAbuse,
        Duration minInterval) {

    public static final GuestLimits DEFAULT = new GuestLimits(
            128 * 1024, 1024 * 1024, 1024, 64, 256, 20.0, 1200, 32, Duration.ofMillis(10));

    public GuestLimits {
        if (maxMessageBytes <= 0 || transportMaxBytes < maxMessageBytes) {
            throw new IllegalArgumentException("need 0 < maxMessageBytes <= transportMaxBytes");
        }
        if (samplesPerSecond <= 0 || burst < 1 || rejectsBeforeAbuse < 1) {
            throw new IllegalArgumentException("rate, burst and rejectsBeforeAbuse must be positive");
        }
    }
}
