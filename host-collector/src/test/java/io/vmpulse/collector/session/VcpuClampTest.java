package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.VCPU_COUNT;
import static io.vmpulse.registry.layout.RecordFields.VCPU_OMITTED;
import static io.vmpulse.registry.layout.RecordFields.VCPU_RUN_NS;
import static io.vmpulse.registry.layout.RecordFields.VCPU_RUN_NS_EACH;
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
import io.vmpulse.collector.testing.NativeHelper;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM with more vCPUs than vcpu[] has entries (40 real threads named as Firecracker names them):
 * vcpu[] is clamped at 32, the totals and vcpu_count cover all 40, and vcpu_omitted says how many
 * have no entry.
 */
@Timeout(120)
class VcpuClampTest {

    @TempDir Path dir;

    @Test
    void vcpus_past_32_are_counted_in_vcpu_omitted_and_in_the_totals() throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of(NativeHelper.compile("named_threads").toString()));
        for (int i = 0; i < 40; i++) {
            cmd.add("fc_vcpu " + i);
        }
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().put("NAMED_THREADS_IDLE", "1"); // 40 threads, not 40 threads' worth of CPU
        Process vmm = b.start();
        try (Collector collector =
                Collector.start(
                        CollectorSettings.registryOnly(
                                dir.resolve("registry"),
                                2,
                                Duration.ofMillis(100),
                                Duration.ofSeconds(1),
                                GuestLimits.DEFAULT),
                        HostSampler.Options.defaults())) {
            assertEquals(
                    "ready",
                    new BufferedReader(
                                    new InputStreamReader(
                                            vmm.getInputStream(), StandardCharsets.UTF_8))
                            .readLine());
            VmCatalog vms = new VmCatalog();
            vms.addListener(collector);
            vms.register(
                    new Vm(
                            "big",
                            HypervisorKind.FIRECRACKER,
                            OptionalInt.of((int) vmm.pid()),
                            new GuestEndpoint.HybridVsock(dir.resolve("big.vsock"), 1024),
                            List.of(),
                            List.of(),
                            HostEndpoints.NONE,
                            false,
                            Optional.empty()),
                    VmSource.API);
            VmRecord r = awaitVcpus(dir.resolve("registry"));
            assertEquals(40, r.getUnsignedInt(VCPU_COUNT));
            assertEquals(8, r.getUnsignedInt(VCPU_OMITTED));
            long listed = 0;
            for (int i = 0; i < RecordFields.MAX_VCPUS; i++) {
                listed += r.getLong(VCPU_RUN_NS_EACH, i);
            }
            assertTrue(r.getLong(VCPU_RUN_NS) >= listed, "the total covers the omitted vCPUs too");
        } finally {
            vmm.destroyForcibly().waitFor();
        }
    }

    private static VmRecord awaitVcpus(Path registry) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        String last = "nothing";
        try (RegistryReader reader = RegistryReader.open(registry)) {
            SlotSnapshot s = reader.newSnapshot();
            while (System.nanoTime() < end) {
                if (reader.read(0, s)) {
                    if (s.sample().isPresent(RecordFlags.PRESENT_HOST_VCPU)
                            && s.sample().getUnsignedInt(VCPU_COUNT) == 40) {
                        return s.sample();
                    }
                    last =
                            s.vmId()
                                    + " vcpu_count "
                                    + s.sample().getUnsignedInt(VCPU_COUNT)
                                    + " presence "
                                    + Long.toHexString(s.sample().presence())
                                    + " flags "
                                    + Long.toHexString(s.sample().flags());
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the collector never saw 40 vCPU threads; last: " + last);
    }
}
