package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.*;

import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class OtlpPushTest {

    private static long nowNs() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static OtlpSettings settings(OtlpReceiver rx) {
        return OtlpSettings.of(rx.endpoint(), Duration.ofHours(1));
    }

    @Test
    void every_vm_is_its_own_resource_and_every_name_unit_and_value_matches_the_registry()
            throws Exception {
        long now = nowNs();
        try (TestRegistry reg = new TestRegistry(8);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            Map<String, FilledVm> vms = new TreeMap<>();
            for (int i = 0; i < 5; i++) {
                FilledVm vm = new FilledVm(i, now);
                vms.put("vm-" + i, vm);
                reg.publish("vm-" + i, vm.record);
            }
            assertTrue(pusher.pushOnce());
            OtlpReceiver.Received got = rx.take();
            assertEquals("application/x-protobuf", got.contentType());
            assertEquals("gzip", got.encoding());
            ReceivedPoints p = new ReceivedPoints(List.of(got.request()));

            assertEquals(vms.keySet(), p.byVm.keySet());
            for (var e : vms.entrySet()) {
                assertEquals(
                        e.getValue().resource(e.getKey()),
                        p.resources.get(e.getKey()),
                        "resource of " + e.getKey());
                Map<String, ReceivedPoints.Point> points = p.byVm.get(e.getKey());
                Map<String, Object[]> expected = e.getValue().expected();
                assertEquals(expected.keySet(), points.keySet(), "series of " + e.getKey());
                for (var x : expected.entrySet()) {
                    ReceivedPoints.Point pt = points.get(x.getKey());
                    assertEquals(x.getValue()[0], pt.unit(), "unit of " + x.getKey());
                    assertEquals(
                            x.getValue()[1],
                            pt.value(),
                            "value of " + x.getKey() + " of " + e.getKey());
                }
            }
        }
    }

    @Test
    void every_metric_has_the_catalogue_unit_and_instrument_kind() throws Exception {
        try (TestRegistry reg = new TestRegistry(2);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            reg.publish("vm-a", new FilledVm(0, nowNs()).record);
            assertTrue(pusher.pushOnce());
            ReceivedPoints p = new ReceivedPoints(List.of(rx.take().request()));
            Map<String, OtlpMetric> byName = new HashMap<>();
            for (OtlpMetric m : OtlpMetric.values()) {
                byName.put(m.metricName(), m);
            }
            for (var e : p.byVm.get("vm-a").entrySet()) {
                String name = e.getKey().substring(0, e.getKey().indexOf('{'));
                OtlpMetric m = byName.get(name);
                assertNotNull(m, name + " is not in the catalogue");
                ReceivedPoints.Point pt = e.getValue();
                assertEquals(m.unit(), pt.unit());
                assertEquals(m.kind() == OtlpMetric.Kind.GAUGE ? "gauge" : "sum", pt.type(), name);
                assertEquals(
                        m.kind() == OtlpMetric.Kind.COUNTER, pt.monotonic(), name + " monotonic");
                assertEquals(m.doubles(), pt.value() instanceof Double, name + " value type");
            }
        }
    }

    @Test
    void guest_counters_start_at_guest_boot_and_host_counters_at_the_slot_claim() throws Exception {
        // Readings a few seconds after the slots are claimed, as in a collector.
        long now = nowNs() + 5_000_000_000L;
        try (TestRegistry reg = new TestRegistry(4);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            FilledVm honest = new FilledVm(0, now);
            FilledVm liar = new FilledVm(1, now);
            liar.record.putLong(BOOT_TIME_UNIX_S, now / 1_000_000_000L + 86_400); // boots tomorrow
            int honestSlot = reg.publish("honest", honest.record);
            int liarSlot = reg.publish("liar", liar.record);
            long honestClaim = claimOf(reg, honestSlot);
            long liarClaim = claimOf(reg, liarSlot);

            assertTrue(pusher.pushOnce());
            ReceivedPoints p = new ReceivedPoints(List.of(rx.take().request()));
            var h = p.byVm.get("honest");
            var user = h.get("system.cpu.time{cpu.logical_number=0, cpu.mode=user}");
            assertEquals(honest.bootUnixS * 1_000_000_000L, user.start());
            assertEquals(honest.guestUnixNs, user.time());
            var vcpu = h.get("vmpulse.vcpu.time{vmpulse.vcpu.number=0}");
            assertEquals(honestClaim, vcpu.start());
            assertEquals(honest.hostUnixNs, vcpu.time());
            var rejects = h.get("vmpulse.guest.rejected_messages{error.type=hello}");
            assertEquals(honestClaim, rejects.start());
            assertTrue(
                    rejects.time() >= honestClaim,
                    "the collector's counts are observed at push time");
            assertEquals(0, h.get("vmpulse.guest.up{}").start(), "a gauge has no start time");

            var l = p.byVm.get("liar").get("system.cpu.time{cpu.logical_number=2, cpu.mode=user}");
            assertEquals(liarClaim, l.start(), "a boot time in the future falls back to the claim");
            for (var pt : h.values()) {
                assertTrue(pt.start() <= pt.time(), "start after point");
            }
        }
    }

    @Test
    void a_clear_presence_bit_yields_no_point_never_a_zero() throws Exception {
        long now = nowNs();
        try (TestRegistry reg = new TestRegistry(4);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            FilledVm hostOnly = new FilledVm(0, now);
            hostOnly.record.putLong(
                    PRESENCE,
                    FilledVm.ALL_PRESENT
                            & ~(RecordFlags.PRESENT_GUEST_CPU
                                    | RecordFlags.PRESENT_GUEST_MEMORY
                                    | RecordFlags.PRESENT_GUEST_FS
                                    | RecordFlags.PRESENT_HOST_DISK_OPS
                                    | RecordFlags.PRESENT_HOST_NET_DROPS));
            FilledVm nothing = new FilledVm(1, now);
            nothing.record.putLong(PRESENCE, 0);
            FilledVm brokenFs = new FilledVm(2, now);
            brokenFs.record.putInt(FS_FLAGS, 1, RecordFlags.FS_ERROR);
            brokenFs.record.putLong(FS_INODES_TOTAL, 2, 0); // a filesystem without inode counts
            brokenFs.record.putLong(MEM_AVAILABLE_BYTES, 5 * FilledVm.GIB); // above MemTotal
            reg.publish("host-only", hostOnly.record);
            reg.publish("nothing", nothing.record);
            reg.publish("broken-fs", brokenFs.record);

            assertTrue(pusher.pushOnce());
            ReceivedPoints p = new ReceivedPoints(List.of(rx.take().request()));
            var h = p.byVm.get("host-only").keySet();
            assertTrue(
                    h.stream()
                            .noneMatch(
                                    k ->
                                            k.startsWith("system.")
                                                    || k.startsWith("vmpulse.guest.cpu")
                                                    || k.startsWith("vmpulse.guest.memory")
                                                    || k.startsWith("vmpulse.guest.context")),
                    h.toString());
            assertTrue(
                    h.stream().noneMatch(k -> k.startsWith("vmpulse.disk.operations")),
                    "ops without PRESENT_HOST_DISK_OPS");
            assertTrue(
                    h.stream().noneMatch(k -> k.startsWith("vmpulse.network.packet.dropped")),
                    "drops without their bit");
            assertTrue(
                    h.contains(
                            "vmpulse.network.errors{network.interface.name=tap0, network.io.direction=receive}"));
            assertTrue(h.contains("vmpulse.disk.io{disk.io.direction=read, system.device=rootfs}"));

            var n = p.byVm.get("nothing").keySet();
            assertEquals(
                    List.of(
                            "vmpulse.guest.counter_resets{}",
                            "vmpulse.guest.dropped_samples{}",
                            "vmpulse.guest.duplicate_samples{}",
                            "vmpulse.guest.rejected_messages{error.type=connection}",
                            "vmpulse.guest.rejected_messages{error.type=hello}",
                            "vmpulse.guest.rejected_messages{error.type=malformed}",
                            "vmpulse.guest.rejected_messages{error.type=oversized}",
                            "vmpulse.guest.rejected_messages{error.type=sample}",
                            "vmpulse.guest.restarts{}",
                            "vmpulse.guest.throttled_messages{}",
                            "vmpulse.guest.up{}",
                            "vmpulse.host.metrics_lines_skipped{}"),
                    List.copyOf(n),
                    "only what is always meaningful");

            var b = p.byVm.get("broken-fs").keySet();
            assertTrue(
                    b.stream().noneMatch(k -> k.contains("/mnt/d1")),
                    "an FS_ERROR entry yields nothing");
            assertTrue(
                    b.stream()
                            .anyMatch(
                                    k ->
                                            k.startsWith("system.filesystem.usage")
                                                    && k.contains("/mnt/d2")));
            assertTrue(
                    b.stream()
                            .noneMatch(
                                    k ->
                                            k.startsWith("system.filesystem.inodes")
                                                    && k.contains("/mnt/d2")));
            assertFalse(
                    b.contains("system.memory.usage{system.memory.state=used}"),
                    "used would be negative");
            assertTrue(b.contains("system.memory.usage{system.memory.state=free}"));
        }
    }

    @Test
    void cpu_drive_and_interface_sums_stand_in_when_entries_were_left_out() throws Exception {
        long now = nowNs();
        try (TestRegistry reg = new TestRegistry(2);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            FilledVm vm = new FilledVm(0, now);
            vm.record.putInt(CPU_OMITTED, 1);
            vm.record.putInt(DISK_OMITTED, 9);
            vm.record.putInt(NIC_COUNT, 0);
            reg.publish("vm", vm.record);
            assertTrue(pusher.pushOnce());
            var got = new ReceivedPoints(List.of(rx.take().request())).byVm.get("vm");
            assertEquals(
                    vm.cpuNs()[0] / 1e9,
                    got.get("system.cpu.time{cpu.mode=user}").value(),
                    "per-CPU series that miss a CPU would not add up: the aggregate is sent");
            assertTrue(got.keySet().stream().noneMatch(k -> k.contains("cpu.logical_number")));
            assertEquals(3_333L, got.get("vmpulse.disk.io{disk.io.direction=read}").value());
            assertEquals(
                    7_777L, got.get("vmpulse.network.io{network.io.direction=receive}").value());
            assertTrue(
                    got.keySet().stream()
                            .noneMatch(
                                    k -> k.contains("system.device=rootfs") || k.contains("tap0")));
        }
    }

    @Test
    void each_push_reads_the_registry_afresh_and_a_released_vm_drops_out() throws Exception {
        long now = nowNs();
        try (TestRegistry reg = new TestRegistry(4);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher = new OtlpPusher(reg.path, settings(rx))) {
            FilledVm a = new FilledVm(0, now);
            int slotA = reg.publish("a", a.record);
            reg.publish("b", new FilledVm(1, now).record);
            assertTrue(pusher.pushOnce());
            assertEquals(2, new ReceivedPoints(List.of(rx.take().request())).byVm.size());

            reg.writer.release(slotA);
            VmRecord changed = new FilledVm(1, now).record;
            changed.putLong(MEM_TOTAL_BYTES, 8 * FilledVm.GIB);
            reg.writer.publish(1, changed);
            assertTrue(pusher.pushOnce());
            ReceivedPoints p = new ReceivedPoints(List.of(rx.take().request()));
            assertEquals(List.of("b"), List.copyOf(p.byVm.keySet()));
            assertEquals(8 * FilledVm.GIB, p.byVm.get("b").get("system.memory.limit{}").value());
        }
    }

    @Test
    void headers_and_uncompressed_bodies_are_sent_as_configured() throws Exception {
        try (TestRegistry reg = new TestRegistry(2);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher =
                        new OtlpPusher(
                                reg.path,
                                settings(rx)
                                        .withCompression("none")
                                        .withHeaders(Map.of("X-Api-Key", "k123")))) {
            reg.publish("vm", new FilledVm(0, nowNs()).record);
            assertTrue(pusher.pushOnce());
            OtlpReceiver.Received got = rx.take();
            assertNull(got.encoding());
            assertEquals(got.wireBytes(), got.decodedBytes());
            assertEquals("k123", got.apiKey());
        }
    }

    static long claimOf(TestRegistry reg, int slot) throws Exception {
        try (RegistryReader r = RegistryReader.open(reg.path)) {
            SlotSnapshot s = r.newSnapshot();
            assertTrue(r.read(slot, s));
            return s.claimedUnixNanos();
        }
    }
}
