package io.vmpulse.bench.load;

import io.vmpulse.registry.layout.RecordFields;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The driver of {@code benchmarks/scripts/isolation.sh}: N well-behaved simulated guests (a {@link
 * Fleet}), optionally one {@link HostileGuest} beside them, and a {@link RegistryLatencyProbe}
 * reading the collector's registry, all in this one JVM.
 *
 * <p>Usage: {@code IsolationRun REGISTRY SOCKET_FORMAT N WARMUP_S MEASURE_S HOSTILE_SOCKET|none
 * POLL_MS FLOOD_PER_S OVERSIZED_PER_S STORM_PER_S IDLE [TRANSPORT]}, where TRANSPORT is {@code
 * grpc-java} (the default) or {@code agent}, the HTTP/2 client the well-behaved guests speak with
 * ({@link Fleet.Transport}; the hostile VM always uses grpc-java). The well-behaved VMs are those
 * whose id starts with {@code vm-}. Latencies are kept from WARMUP_S on for MEASURE_S; seq
 * continuity is followed for the whole run. After MEASURE_S it prints {@code measured} and keeps
 * every guest connected for {@link #HOLD_NANOS} more, for the script to weigh the collector's heap.
 * Prints one {@code result} line; exits 0 when every well-behaved guest was welcomed and
 * acknowledged, its slot was seen, and no sample of it is missing (no seq gap seen in the registry,
 * no {@code dropped_samples}), 1 otherwise, 2 on a usage error.
 */
public final class IsolationRun {

    private static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(10);

    private IsolationRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 11 || args.length > 12 || !args[1].contains("%d")) {
            System.err.println(
                    "usage: IsolationRun REGISTRY SOCKET_FORMAT N WARMUP_S MEASURE_S"
                            + " HOSTILE_SOCKET|none POLL_MS FLOOD_PER_S OVERSIZED_PER_S"
                            + " STORM_PER_S IDLE [grpc-java|agent]");
            System.exit(2);
        }
        Fleet.Transport transport = Fleet.Transport.GRPC_JAVA;
        if (args.length == 12) {
            try {
                transport = Fleet.Transport.parse(args[11]);
            } catch (IllegalArgumentException e) {
                System.err.println("IsolationRun: " + e.getMessage());
                System.exit(2);
            }
        }
        Path registry = Path.of(args[0]);
        int n = Integer.parseInt(args[2]);
        long warmup = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        long measure = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        String hostileSocket = args[5].equals("none") ? null : args[5];
        Duration poll = Duration.ofMillis(Long.parseLong(args[6]));

        long start = System.nanoTime();
        RegistryLatencyProbe probe =
                new RegistryLatencyProbe(registry, poll, id -> id.startsWith("vm-"));
        Thread probing = new Thread(probe, "registry-probe");
        probing.start();
        Fleet fleet = Fleet.start(transport, args[1], n);
        HostileGuest hostile = null;
        if (hostileSocket != null) {
            hostile =
                    new HostileGuest(
                            hostileSocket,
                            Integer.parseInt(args[7]),
                            Integer.parseInt(args[8]),
                            Integer.parseInt(args[9]),
                            Integer.parseInt(args[10]));
            hostile.start();
        }
        System.out.println(
                "simulating "
                        + n
                        + " guests over "
                        + transport
                        + (hostile != null ? " and one hostile VM" : "")
                        + "; one sample is "
                        + fleet.sampleDescription());

        sleepUntil(start + warmup, start, fleet, hostile);
        probe.startRecording();
        System.out.println("measuring");
        System.out.flush();
        sleepUntil(start + warmup + measure, start, fleet, hostile);
        probe.stop();
        probing.join();
        // The guests stay connected a little longer, so that the script can weigh the collector's
        // live heap with all of them (a full collection) outside the latencies recorded above.
        System.out.println("measured");
        System.out.flush();
        sleepUntil(start + warmup + measure + HOLD_NANOS, start, fleet, hostile);

        if (hostile != null) {
            System.out.println(hostile.status());
            hostile.close();
        }
        Fleet.Summary summary = fleet.finish();
        long dropped = probe.sum(RecordFields.DROPPED_SAMPLES);
        long rejected = probe.sum(RecordFields.REJECTED_MESSAGES);
        long slots = probe.measuredSlots();
        probe.close();
        System.out.println("end " + fleet.status());
        System.out.println(
                "result transport="
                        + transport
                        + "; "
                        + probe.report()
                        + "; well-behaved slots="
                        + slots
                        + " dropped_samples="
                        + dropped
                        + " rejected_messages="
                        + rejected
                        + "; "
                        + summary);
        boolean ok =
                summary.allWelcomedAndAcked() && slots == n && probe.seqGaps() == 0 && dropped == 0;
        System.exit(ok ? 0 : 1);
    }

    private static void sleepUntil(long deadline, long start, Fleet fleet, HostileGuest hostile)
            throws InterruptedException {
        long statusEvery = TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long now = System.nanoTime();
            if (now >= deadline) {
                return;
            }
            long nextStatus = start + ((now - start) / statusEvery + 1) * statusEvery;
            TimeUnit.NANOSECONDS.sleep(Math.min(deadline, nextStatus) - now);
            if (System.nanoTime() >= nextStatus && nextStatus <= deadline) {
                System.out.println(
                        "t="
                                + TimeUnit.NANOSECONDS.toSeconds(nextStatus - start)
                                + "s "
                                + fleet.status()
                                + (hostile != null ? "; " + hostile.status() : ""));
                System.out.flush();
            }
        }
    }
}
