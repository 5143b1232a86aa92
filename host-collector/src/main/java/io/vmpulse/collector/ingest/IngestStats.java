package io.vmpulse.collector.ingest;

/** What one VM's ingest has seen since it was registered. */
public record IngestStats(
        long accepted,
        long rejected,
        long duplicates,
        long throttled,
        long guestRestarts,
        long counterResets,
        boolean connected) {
}
