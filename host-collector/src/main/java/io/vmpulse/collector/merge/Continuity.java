package io.vmpulse.collector.merge;

/**
 * How a guest sample relates to the previous one accepted from the same VM: ingest judges it (it
 * holds the previous sample's counters), the merge acts on it (it keeps the rate baselines).
 */
public enum Continuity {
    /** The first sample seen, or one whose counters all moved forward. */
    CONTINUES,
    /** Another guest boot: a new boot id. Baselines start again. */
    GUEST_RESTARTED,
    /** Same boot, but a monotonic counter went backwards. Baselines start again. */
    COUNTERS_RESET
}
