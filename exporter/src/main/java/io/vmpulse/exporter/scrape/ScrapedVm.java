package io.vmpulse.exporter.scrape;

import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.SlotSnapshot;

/**
 * One VM as this scrape read it: a consistent copy of its slot. Valid only during the scrape that
 * produced it (the copy is reused by the next one).
 */
public final class ScrapedVm {

    /**
     * Bits added in 1.2 that narrow a group: a 1.0 or 1.1 writer never set them, so in such a file
     * the group bit alone decides (docs/shm-abi.md, "Added in 1.2").
     */
    private static final long NARROWING_BITS =
            RecordFlags.PRESENT_HOST_DISK_OPS
                    | RecordFlags.PRESENT_HOST_NET_DROPS
                    | RecordFlags.PRESENT_HOST_NET_ERRORS;

    private final SlotSnapshot slot;
    private String vmId;
    private int minor;

    ScrapedVm(SlotSnapshot slot) {
        this.slot = slot;
    }

    SlotSnapshot slot() {
        return slot;
    }

    void completed(int minorVersion) {
        this.vmId = slot.vmId();
        this.minor = minorVersion;
    }

    public String vmId() {
        return vmId;
    }

    /** The VM is gone: this is its last sample, kept for a grace period. */
    public boolean isFinal() {
        return slot.state() == RegistryLayout.STATE_FINAL;
    }

    long claimedUnixNanos() {
        return slot.claimedUnixNanos();
    }

    public VmRecord record() {
        return slot.sample();
    }

    public long flags() {
        return slot.sample().flags();
    }

    /**
     * True when every bit of {@code presenceBits} is set: the values of those groups are real. A
     * bit that narrows a group counts as set in files older than 1.2, which did not have it.
     */
    public boolean present(long presenceBits) {
        long p = slot.sample().presence();
        if (minor < 2) {
            long groupOf = 0;
            if ((p & RecordFlags.PRESENT_HOST_BLOCK) != 0) {
                groupOf |= RecordFlags.PRESENT_HOST_DISK_OPS;
            }
            if ((p & RecordFlags.PRESENT_HOST_NET) != 0) {
                groupOf |= RecordFlags.PRESENT_HOST_NET_DROPS | RecordFlags.PRESENT_HOST_NET_ERRORS;
            }
            p = (p & ~NARROWING_BITS) | groupOf;
        }
        return (p & presenceBits) == presenceBits;
    }

    public long u64(RecordField f) {
        return slot.sample().getLong(f);
    }

    public long u64(RecordField f, int index) {
        return slot.sample().getLong(f, index);
    }

    public long u32(RecordField f) {
        return slot.sample().getUnsignedInt(f);
    }

    public long u32(RecordField f, int index) {
        return slot.sample().getUnsignedInt(f, index);
    }

    public String text(RecordField f) {
        return slot.sample().getString(f);
    }

    public String text(RecordField f, int index) {
        return slot.sample().getString(f, index);
    }
}
