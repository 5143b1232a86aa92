package io.vmpulse.collector.host.firecracker;

import io.vmpulse.collector.merge.HostReading;

/**
 * Firecracker's balloon statistics in bytes; a value the guest driver did not report is {@link
 * HostReading#ABSENT}.
 */
public record Balloon(
        long targetBytes, long actualBytes, long freeBytes, long totalBytes, long availableBytes) {

    public void copyInto(HostReading into) {
        into.balloonTargetBytes = targetBytes;
        into.balloonActualBytes = actualBytes;
        into.balloonFreeBytes = freeBytes;
        into.balloonTotalBytes = totalBytes;
        into.balloonAvailableBytes = availableBytes;
    }
}
