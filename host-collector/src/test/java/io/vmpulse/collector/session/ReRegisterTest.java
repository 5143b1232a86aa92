package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.LAST_HOST_MONO_NS;
import static io.vmpulse.registry.layout.RegistryLayout.STATE_LIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM that comes back while its old slot is still in its grace period (unregistered and registered
 * again, or updated to a new guest endpoint, which is a remove and an add) is published again at
 * once, under a new generation, and the old slot's pending release does not free it later.
 *
 * <p>One slot only: the new claim can then only take the slot the old one still holds, which is
 * where a late release would do harm.
 */
@Timeout(60)
class ReRegisterTest {

    private static final Duration GRACE = Duration.ofMillis(1500);

    @TempDir Path dir;

    private Collector collector;
    private RegistryReader reader;

    @AfterEach
    void stop() {
        if (reader != null) {
            reader.close();
        }
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void a_vm_re_registered_within_the_grace_period_gets_a_slot_again() throws Exception {
        VmCatalog vms = start();
        vms.register(vm("a", "a.vsock"), VmSource.API);
        long before = awaitLive("a", -1);

        vms.unregister("a", VmSource.API);
        vms.register(vm("a", "a.vsock"), VmSource.API);

        long after = awaitLive("a", before);
        assertStillLiveAfterGrace("a", after);
    }

    @Test
    void a_vm_whose_guest_endpoint_changes_gets_a_fresh_slot_generation_at_once() throws Exception {
        VmCatalog vms = start();
        vms.register(vm("a", "a.vsock"), VmSource.API);
        long before = awaitLive("a", -1);

        vms.update(vm("a", "b.vsock"), VmSource.API);

        long after = awaitLive("a", before);
        assertStillLiveAfterGrace("a", after);
    }

    private VmCatalog start() throws Exception {
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        dir.resolve("registry"),
                        1,
                        Duration.ofMillis(200),
                        GRACE,
                        GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        reader = RegistryReader.open(settings.registryPath());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        return vms;
    }

    private Vm vm(String id, String socket) {
        return new Vm(
                id,
                HypervisorKind.NONE,
                OptionalInt.empty(),
                new GuestEndpoint.HybridVsock(dir.resolve(socket), 1024),
                List.of(),
                List.of(),
                HostEndpoints.NONE,
                false,
                Optional.empty());
    }

    /**
     * Waits for slot 0 to be live for {@code vm} under a generation other than {@code not}; returns
     * it.
     */
    private long awaitLive(String vm, long not) throws InterruptedException {
        SlotSnapshot s = reader.newSnapshot();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (reader.read(0, s)
                    && s.state() == STATE_LIVE
                    && vm.equals(s.vmId())
                    && s.generation() != not) {
                return s.generation();
            }
            Thread.sleep(20);
        }
        throw new AssertionError(
                "slot 0 never became live for "
                        + vm
                        + " under a generation other than "
                        + not
                        + "; last seen: state "
                        + s.state()
                        + ", vm '"
                        + s.vmId()
                        + "', generation "
                        + s.generation());
    }

    /**
     * The old slot's grace period ends without freeing the VM's new claim, and the timer keeps
     * publishing into it.
     */
    private void assertStillLiveAfterGrace(String vm, long generation) throws InterruptedException {
        SlotSnapshot s = reader.newSnapshot();
        assertTrue(reader.read(0, s), "slot 0 reads consistently");
        long hostBefore = s.sample().getLong(LAST_HOST_MONO_NS);

        Thread.sleep(GRACE.toMillis() + 500);

        assertTrue(reader.read(0, s), "slot 0 reads consistently");
        assertEquals(STATE_LIVE, s.state(), "slot 0 is still live after the old grace period");
        assertEquals(vm, s.vmId());
        assertEquals(
                generation,
                s.generation(),
                "no release and re-claim happened behind the VM's back");
        assertTrue(
                s.sample().getLong(LAST_HOST_MONO_NS) > hostBefore,
                "the host half is still being published");
    }
}
