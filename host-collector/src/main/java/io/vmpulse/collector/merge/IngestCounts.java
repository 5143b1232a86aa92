package io.vmpulse.collector.merge;

/**
 * What one VM's ingest has seen since it was registered. Rejects are counted by reason (see the
 * collector's ingest RejectReason); {@link #rejected()} is their sum. Throttled messages (delayed
 * by the rate limit, then processed) and duplicates (acknowledged, dropped) are not rejects.
 */
public record IngestCounts(
        long accepted,
        long rejectedOversized,
        long rejectedMalformed,
        long rejectedHello,
        long rejectedSample,
        long rejectedConnection,
        long duplicates,
        long throttled,
        long guestRestarts,
        long counterResets,
        boolean connected) {

    /** Every rejected message or connection, whatever the reason. */
    public long rejected() {
        return rejectedOversized
                + rejectedMalformed
                + rejectedHello
                + rejectedSample
                + rejectedConnection;
    }
}
