package io.vmpulse.collector.host.net;

import io.vmpulse.collector.host.proc.KernelFile;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the TAP counters of a VM from {@code <sysfs>/class/net/<tap>/statistics} and turns them
 * round to the guest's point of view: what the TAP received ({@code rx_*}) is what the guest sent,
 * what the TAP transmitted ({@code tx_*}) is what the guest received.
 *
 * <p>{@code /sys/class/net} lists the network namespace of whoever mounted that sysfs, so a VM
 * whose TAP lives in another namespace is read through a sysfs mounted from inside it (for example
 * {@code nsenter --net=/run/netns/NS mount -t sysfs none DIR}): that is what {@code sysfsRoot} is
 * for.
 */
public final class TapReader implements AutoCloseable {

    /** Order of the counter files of one TAP. */
    private static final String[] FILES = {
        "rx_bytes", "rx_packets", "rx_dropped", "rx_errors",
        "tx_bytes", "tx_packets", "tx_dropped", "tx_errors",
    };

    private static final int RX_BYTES = 0;
    private static final int RX_PACKETS = 1;
    private static final int RX_DROPPED = 2;
    private static final int RX_ERRORS = 3;
    private static final int TX_BYTES = 4;
    private static final int TX_PACKETS = 5;
    private static final int TX_DROPPED = 6;
    private static final int TX_ERRORS = 7;

    private final List<String> taps;
    private final KernelFile[][] files;
    private final long[] sums = new long[FILES.length];
    private final long[][] values;
    private String failure;

    public TapReader(Path sysfsRoot, List<String> taps) {
        this.taps = List.copyOf(taps);
        this.files = new KernelFile[taps.size()][FILES.length];
        this.values = new long[taps.size()][FILES.length];
        for (int t = 0; t < taps.size(); t++) {
            Path stats =
                    sysfsRoot
                            .resolve("class")
                            .resolve("net")
                            .resolve(taps.get(t))
                            .resolve("statistics");
            for (int f = 0; f < FILES.length; f++) {
                files[t][f] = new KernelFile(stats.resolve(FILES[f]), 32);
            }
        }
    }

    /**
     * Fills the network fields of {@code into} from the TAPs, totals and one entry per TAP in the
     * descriptor's order, and marks {@link Source#NET} present; returns false, touching nothing,
     * when a TAP cannot be read (missing, deleted): {@link #failure()} then says which and why.
     */
    public boolean readInto(HostReading into) {
        Arrays.fill(sums, 0);
        for (int t = 0; t < files.length; t++) {
            for (int f = 0; f < FILES.length; f++) {
                KernelFile file = files[t][f];
                try {
                    file.read();
                    values[t][f] = file.nextLong();
                    sums[f] += values[t][f];
                } catch (IOException e) {
                    // A TAP deleted and created again has new sysfs files: open them next time.
                    file.close();
                    failure = "tap " + taps.get(t) + ": " + e.getClass().getSimpleName();
                    return false;
                }
            }
        }
        into.netRxBytes = sums[TX_BYTES];
        into.netRxPackets = sums[TX_PACKETS];
        into.netRxDropped = sums[TX_DROPPED];
        into.netRxErrors = sums[TX_ERRORS];
        into.netTxBytes = sums[RX_BYTES];
        into.netTxPackets = sums[RX_PACKETS];
        into.netTxDropped = sums[RX_DROPPED];
        into.netTxErrors = sums[RX_ERRORS];
        for (int t = 0; t < files.length; t++) {
            long[] v = values[t];
            into.addNic(
                    taps.get(t),
                    v[TX_BYTES],
                    v[RX_BYTES],
                    v[TX_PACKETS],
                    v[RX_PACKETS],
                    v[TX_DROPPED],
                    v[RX_DROPPED],
                    v[TX_ERRORS],
                    v[RX_ERRORS]);
        }
        into.netFromTap = true;
        into.markPresent(Source.NET);
        return true;
    }

    /** Why the last {@link #readInto} returned false. */
    public String failure() {
        return failure;
    }

    @Override
    public void close() {
        for (KernelFile[] tap : files) {
            for (KernelFile f : tap) {
                f.close();
            }
        }
    }
}
