package io.vmpulse.registry.layout;

/**
 * Where a record field's value comes from, and so how far it can be trusted. Not stored in the
 * file: the field's Javadoc and docs/shm-abi.md say it, and exporters label by it.
 */
public enum RecordSource {
    /** Written by the collector about the record itself: checksum, flags, times, counts. */
    META,
    /** Reported by the guest agent: untrusted, validated by the collector before it is stored. */
    GUEST,
    /** Read by the collector on the host: the guest cannot influence it. */
    HOST,
    /** Computed by the collector from two readings (rates) or from other fields (percentages). */
    DERIVED,
    /** Read from a file's directory, which does not record the source. */
    UNKNOWN
}
