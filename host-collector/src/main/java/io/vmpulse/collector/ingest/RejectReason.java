package io.vmpulse.collector.ingest;

/**
 * Why ingest refused something from a guest: each has its own counter in the VM's record ({@code
 * rejected_*}), and together they make up {@code rejected_messages}.
 */
public enum RejectReason {
    /** Over the transport's message size limit; gRPC ends the stream. */
    OVERSIZED,
    /** Not a valid AgentMessage, or a message of a kind this collector does not know. */
    MALFORMED,
    /** A hello refused by its checks, a second hello, a sample before hello, no hello in time. */
    HELLO,
    /** A sample refused by its checks (seq, sizes, values out of range). */
    SAMPLE,
    /** A connection closed unread: over the VM's connection cap, or its peer refused. */
    CONNECTION
}
