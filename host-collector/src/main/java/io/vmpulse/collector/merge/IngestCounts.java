package io.vmpulse.collector.merge;

/** What one VM's ingest has seen since it was registered. */
public record IngestCounts(
        long accepted,
        long rejected,
        long duplicates,
        long throttled,
        long guestRestarts,
        long counterResets,
        boolean connected) {}
