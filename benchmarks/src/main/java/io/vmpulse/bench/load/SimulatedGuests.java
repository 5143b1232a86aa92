package io.vmpulse.bench.load;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * N simulated guest agents ({@link GuestFleet}) for {@code benchmarks/scripts/collector-load.sh}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.vmpulse.bench.load.SimulatedGuests SOCKET_FORMAT N
 * SECONDS} where {@code SOCKET_FORMAT} is a {@link String#format} pattern with one {@code %d}
 * (0..N-1), e.g. {@code /tmp/load/vm-%d.vsock_1024}. Prints a status line every 10 s and a summary
 * at the end; exits 0 when every guest was welcomed and every sample it sent was acknowledged by
 * the time the collector ended its half-closed stream, 1 otherwise, 2 on a usage error.
 */
public final class SimulatedGuests {

    private static final long STATUS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private SimulatedGuests() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[0].contains("%d")) {
            System.err.println("usage: SimulatedGuests SOCKET_FORMAT(with %d) N SECONDS");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        Duration duration = Duration.ofSeconds(Long.parseLong(args[2]));
        long start = System.nanoTime();
        GuestFleet fleet = new GuestFleet(args[0], n);
        System.out.println(
                "simulating "
                        + n
                        + " guests for "
                        + duration.toSeconds()
                        + " s; one sample is "
                        + fleet.sampleDescription());
        long end = start + duration.toNanos();
        long nextStatus = start + STATUS_EVERY_NANOS;
        while (System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(end, nextStatus) - System.nanoTime()));
            if (System.nanoTime() >= nextStatus) {
                System.out.println(
                        "t="
                                + TimeUnit.NANOSECONDS.toSeconds(nextStatus - start)
                                + "s "
                                + fleet.status());
                nextStatus += STATUS_EVERY_NANOS;
            }
        }
        Fleet.Summary summary = fleet.finish();
        System.out.println("end " + fleet.status());
        System.out.println("summary " + summary);
        System.exit(summary.allWelcomedAndAcked() ? 0 : 1);
    }
}
