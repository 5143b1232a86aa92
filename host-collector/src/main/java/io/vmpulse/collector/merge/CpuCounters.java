package io.vmpulse.collector.merge;

import io.vmpulse.proto.v1.CpuTimes;

/**
 * A guest's cumulative CPU times, copied out of a sample into fields that one VM keeps and
 * overwrites from sample to sample, for comparing the next sample against.
 *
 * <p>Keeping the parsed sample's {@link CpuTimes} instead kept a new object per VM alive for a
 * whole interval: long enough to be promoted by the young collections, so that at 4,096 VMs the old
 * generation filled with them and a full collection (190-405 ms) came every ~22 s.
 */
public final class CpuCounters {

    /** False until the first {@link #set}. */
    public boolean held;

    public long userNs;
    public long niceNs;
    public long systemNs;
    public long idleNs;
    public long iowaitNs;
    public long irqNs;
    public long softirqNs;
    public long stealNs;
    public long guestNs;
    public long guestNiceNs;

    public void set(CpuTimes t) {
        held = true;
        userNs = t.getUserNs();
        niceNs = t.getNiceNs();
        systemNs = t.getSystemNs();
        idleNs = t.getIdleNs();
        iowaitNs = t.getIowaitNs();
        irqNs = t.getIrqNs();
        softirqNs = t.getSoftirqNs();
        stealNs = t.getStealNs();
        guestNs = t.getGuestNs();
        guestNiceNs = t.getGuestNiceNs();
    }
}
