package io.vmpulse.collector.ingest;

import java.time.Duration;

/**
 * Bounds on guests' connections, as opposed to their messages ({@link GuestLimits}): each
 * connection costs the collector a file descriptor and some buffers whether or not it ever sends
 * anything, so they are capped per VM and in total, and one that never says hello is closed.
 *
 * @param helloDeadline a stream that has not said hello by then is ended (and counted)
 * @param idleConnection a connection without a stream for this long is closed
 * @param connectionsPerVm connections one VM may hold open at once (its agent needs one, two while
 *     a reconnect overlaps a half-open old one)
 * @param connectionsTotal connections all guests together may hold open; the rest of the
 *     collector's descriptors stay for the registry, host sources and VMs
 * @param resetsPerWindow HTTP/2 RST_STREAM frames one connection may send per {@code resetWindow}
 *     before it is cut off (rapid reset)
 * @param resetWindow the window of {@code resetsPerWindow}, a whole number of seconds
 */
public record IngestBounds(
        Duration helloDeadline,
        Duration idleConnection,
        int connectionsPerVm,
        int connectionsTotal,
        int resetsPerWindow,
        Duration resetWindow) {

    /** The collector's bounds, with the total cut from this process's open-file limit. */
    public static IngestBounds forThisProcess() {
        return forDescriptorLimit(DescriptorLimit.max());
    }

    /** Per-VM cap and reset budget for the collector; the total is from the descriptor limit. */
    public static IngestBounds forDescriptorLimit(long maxFileDescriptors) {
        // Half the descriptors at most for guests' connections: a Firecracker VM holds ~18 more.
        int total = (int) Math.max(64, Math.min(Integer.MAX_VALUE, maxFileDescriptors / 2));
        return new IngestBounds(
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                4,
                total,
                100,
                Duration.ofSeconds(10));
    }

    public IngestBounds {
        if (helloDeadline.isNegative()
                || helloDeadline.isZero()
                || idleConnection.isNegative()
                || idleConnection.isZero()) {
            throw new IllegalArgumentException("helloDeadline and idleConnection must be positive");
        }
        if (connectionsPerVm < 1
                || connectionsTotal < connectionsPerVm
                || resetsPerWindow < 1
                || resetWindow.toSeconds() < 1) {
            throw new IllegalArgumentException(
                    "need 1 <= connectionsPerVm <= connectionsTotal, resetsPerWindow >= 1, "
                            + "resetWindow >= 1 s");
        }
    }
}
