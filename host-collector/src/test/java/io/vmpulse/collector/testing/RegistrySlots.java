package io.vmpulse.collector.testing;

import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.time.Duration;
import java.util.function.Predicate;

/** Finding a VM's slot in a registry the tests read with the Java reader, and waiting on it. */
public final class RegistrySlots {

    private static final long POLL_MILLIS = 20;

    private RegistrySlots() {}

    /** The live slot of {@code vmId} as read now, or null when no live slot holds it. */
    public static SlotSnapshot find(RegistryReader reader, String vmId) {
        SlotSnapshot s = reader.newSnapshot();
        for (int i = 0; i < reader.slotCount(); i++) {
            if (reader.read(i, s) && !s.isFree() && vmId.equals(s.vmId())) {
                return s;
            }
        }
        return null;
    }

    /**
     * The first sample of {@code vmId} that satisfies {@code ok}; fails the test after {@code
     * limit}.
     */
    public static VmRecord await(
            RegistryReader reader, String vmId, Duration limit, Predicate<VmRecord> ok)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            SlotSnapshot s = find(reader, vmId);
            if (s != null && ok.test(s.sample())) {
                return s.sample();
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new AssertionError(
                "slot of "
                        + vmId
                        + " never reached the expected state within "
                        + limit.toSeconds()
                        + " s");
    }
}
