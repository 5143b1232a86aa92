package io.vmpulse.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.exporter.testing.Exposition;
import io.vmpulse.exporter.testing.Exposition.Sample;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.Scrapes;
import io.vmpulse.exporter.testing.TestRegistry;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real registry, written by the collector's writer, against the series one scrape makes of it.
 */
@Timeout(60)
class RegistryToSeriesTest {

    @TempDir Path dir;

    private static long nowUnix() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static void full(VmRecord r, long seed) {
        Records.full(r, seed, 2, 3, System.nanoTime(), nowUnix());
    }

    @Test
    void every_series_carries_the_value_of_its_registry_field() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 8)) {
            reg.publish("vm-a", r -> full(r, 1));
            reg.publish("vm-b", r -> full(r, 2));
            Exposition e = new Scrapes(reg.path()).parsed();

            // seed 2: cpu 1's user time is (2000 + 200 + 10 + 0) s, its steal (2000 + 217) s
            assertEquals(
                    2210.0,
                    e.one(
                                    "vmpulse_guest_cpu_seconds_total",
                                    "vm_id",
                                    "vm-b",
                                    "cpu",
                                    "1",
                                    "mode",
                                    "user")
                            .value());
            assertEquals(
                    2217.0,
                    e.one(
                                    "vmpulse_guest_cpu_seconds_total",
                                    "vm_id",
                                    "vm-b",
                                    "cpu",
                                    "1",
                                    "mode",
                                    "steal")
                            .value());
            assertEquals(
                    1208.0,
                    e.one(
                                    "vmpulse_guest_cpu_guest_seconds_total",
                                    "vm_id",
                                    "vm-a",
                                    "cpu",
                                    "0",
                                    "mode",
                                    "user")
                            .value());
            assertEquals(
                    1209.0,
                    e.one(
                                    "vmpulse_guest_cpu_guest_seconds_total",
                                    "vm_id",
                                    "vm-a",
                                    "cpu",
                                    "0",
                                    "mode",
                                    "nice")
                            .value());
            assertEquals(
                    16,
                    e.named("vmpulse_guest_cpu_seconds_total").stream()
                            .filter(s -> s.label("vm_id").equals("vm-a"))
                            .count(),
                    "8 modes x 2 CPUs");
            assertEquals(
                    2030.0, e.one("vmpulse_guest_context_switches_total", "vm_id", "vm-b").value());
            assertEquals(
                    1_700_000_002.0,
                    e.one("vmpulse_guest_boot_time_seconds", "vm_id", "vm-b").value());
            assertEquals(
                    2040.0 * 1024,
                    e.one("vmpulse_guest_memory_total_bytes", "vm_id", "vm-b").value());
            assertEquals(
                    1054.0 * 1024,
                    e.one("vmpulse_guest_memory_committed_as_bytes", "vm_id", "vm-a").value());
            assertEquals(
                    1061.0 * 4096,
                    e.one(
                                    "vmpulse_guest_filesystem_size_bytes",
                                    "vm_id",
                                    "vm-a",
                                    "mountpoint",
                                    "/mnt/data1",
                                    "device",
                                    "/dev/vdb",
                                    "fstype",
                                    "ext4")
                            .value());
            assertEquals(
                    1082.0 * 4096,
                    e.one(
                                    "vmpulse_guest_filesystem_avail_bytes",
                                    "vm_id",
                                    "vm-a",
                                    "mountpoint",
                                    "/mnt/data2")
                            .value());
            assertEquals(
                    1102.0,
                    e.one(
                                    "vmpulse_guest_filesystem_files_free",
                                    "vm_id",
                                    "vm-a",
                                    "mountpoint",
                                    "/mnt/data2")
                            .value());
            assertEquals(
                    2121.0,
                    e.one("vmpulse_vcpu_runqueue_wait_seconds_total", "vm_id", "vm-b", "vcpu", "1")
                            .value());
            assertEquals(
                    2110.0,
                    e.one("vmpulse_vcpu_run_seconds_total", "vm_id", "vm-b", "vcpu", "0").value());
            assertEquals(
                    2137.0,
                    e.one("vmpulse_vmm_cpu_seconds_total", "vm_id", "vm-b", "mode", "user")
                            .value());
            assertEquals(
                    2138.0,
                    e.one("vmpulse_vmm_cpu_seconds_total", "vm_id", "vm-b", "mode", "system")
                            .value());
            assertEquals(
                    2131.0 * 4096,
                    e.one("vmpulse_vmm_resident_memory_bytes", "vm_id", "vm-b").value());
            assertEquals(
                    2141.0,
                    e.one("vmpulse_block_written_bytes_total", "vm_id", "vm-b", "device", "rootfs")
                            .value());
            assertEquals(
                    2143.0,
                    e.one(
                                    "vmpulse_block_writes_completed_total",
                                    "vm_id",
                                    "vm-b",
                                    "device",
                                    "rootfs")
                            .value());
            // The guest's direction: receive is nic.rx_bytes, what the guest received
            assertEquals(
                    2150.0,
                    e.one(
                                    "vmpulse_network_receive_bytes_total",
                                    "vm_id",
                                    "vm-b",
                                    "interface",
                                    "tap0")
                            .value());
            assertEquals(
                    2151.0,
                    e.one(
                                    "vmpulse_network_transmit_bytes_total",
                                    "vm_id",
                                    "vm-b",
                                    "interface",
                                    "tap0")
                            .value());
            assertEquals(
                    2157.0,
                    e.one(
                                    "vmpulse_network_transmit_errs_total",
                                    "vm_id",
                                    "vm-b",
                                    "interface",
                                    "tap0")
                            .value());
            assertEquals(
                    2161.0 * 4096, e.one("vmpulse_balloon_actual_bytes", "vm_id", "vm-b").value());
            String[] reasons = {"oversized", "malformed", "hello", "sample", "connection"};
            for (int k = 0; k < reasons.length; k++) {
                assertEquals(
                        2005.0 + k,
                        e.one(
                                        "vmpulse_vm_rejected_messages_total",
                                        "vm_id",
                                        "vm-b",
                                        "reason",
                                        reasons[k])
                                .value(),
                        reasons[k]);
            }
            assertEquals(
                    2011.0, e.one("vmpulse_vm_throttled_messages_total", "vm_id", "vm-b").value());
            assertEquals(
                    2012.0, e.one("vmpulse_vm_duplicate_samples_total", "vm_id", "vm-b").value());
            assertEquals(
                    2004.0, e.one("vmpulse_vm_dropped_samples_total", "vm_id", "vm-b").value());
            Sample info = e.one("vmpulse_vm_info", "vm_id", "vm-b");
            assertEquals("firecracker", info.label("hypervisor"));
            assertEquals("6.1.0-2", info.label("kernel_release"));
            assertEquals("0.1.0", info.label("agent_version"));
            assertEquals("boot-2", info.label("boot_id"));
            Sample labels = e.one("vmpulse_vm_labels", "vm_id", "vm-a");
            assertEquals("storage", labels.label("label_team"));
            assertEquals("db", labels.label("label_app_kubernetes_io_name"));
            assertEquals(1.0, e.one("vmpulse_vm_up", "vm_id", "vm-a", "source", "guest").value());
            assertEquals(1.0, e.one("vmpulse_vm_up", "vm_id", "vm-a", "source", "host").value());
            assertEquals(2.0, e.one("vmpulse_registry_slots", "state", "live").value());
            assertEquals(6.0, e.one("vmpulse_registry_slots", "state", "free").value());
        }
    }

    @Test
    void a_group_whose_presence_bit_is_clear_yields_no_series_not_a_zero() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 8)) {
            reg.publish("vm-a", r -> full(r, 1));
            reg.publish(
                    "vm-b",
                    r -> {
                        full(r, 2);
                        r.setPresent(
                                RecordFlags.PRESENT_GUEST_MEMORY
                                        | RecordFlags.PRESENT_HOST_NET_DROPS
                                        | RecordFlags.PRESENT_HOST_VCPU,
                                false);
                    });
            Exposition e = new Scrapes(reg.path()).parsed();
            for (String name :
                    List.of(
                            "vmpulse_guest_memory_total_bytes",
                            "vmpulse_guest_memory_committed_as_bytes",
                            "vmpulse_network_receive_drop_total",
                            "vmpulse_vcpu_run_seconds_total",
                            "vmpulse_vcpus")) {
                assertTrue(e.has(name, "vm_id", "vm-a"), name + " of vm-a");
                assertFalse(
                        e.has(name, "vm_id", "vm-b"),
                        name + " of vm-b, whose presence bit is clear");
            }
            assertTrue(
                    e.has("vmpulse_network_receive_bytes_total", "vm_id", "vm-b"),
                    "the net group itself is present");
        }
    }

    @Test
    void modes_the_guest_kernel_did_not_print_have_no_series() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish(
                    "old-kernel",
                    r -> {
                        full(r, 1);
                        r.putInt(RecordFields.CPU_COLUMNS, 4); // user nice system idle
                    });
            Exposition e = new Scrapes(reg.path()).parsed();
            Set<String> modes = new java.util.TreeSet<>();
            e.named("vmpulse_guest_cpu_seconds_total").forEach(s -> modes.add(s.label("mode")));
            assertEquals(Set.of("user", "nice", "system", "idle"), modes);
            assertFalse(e.has("vmpulse_guest_cpu_guest_seconds_total"));
        }
    }

    @Test
    void a_record_without_per_cpu_entries_exports_the_aggregate_without_a_cpu_label()
            throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish(
                    "vm-a",
                    r -> {
                        full(r, 1);
                        r.putInt(RecordFields.CPU_COUNT, 0);
                    });
            Exposition e = new Scrapes(reg.path()).parsed();
            Sample user = e.one("vmpulse_guest_cpu_seconds_total", "vm_id", "vm-a", "mode", "user");
            assertEquals(1010.0, user.value(), "cpu_user_ns of the aggregate line");
            assertFalse(user.labels().containsKey("cpu"));
        }
    }

    @Test
    void a_released_slot_drops_out_of_the_next_scrape_and_a_final_one_is_down() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 8)) {
            reg.publish("vm-a", r -> full(r, 1));
            reg.publish("vm-b", r -> full(r, 2));
            Scrapes scrapes = new Scrapes(reg.path());
            assertTrue(scrapes.parsed().has("vmpulse_guest_cpu_seconds_total", "vm_id", "vm-b"));

            reg.markFinal("vm-b", r -> full(r, 2));
            Exposition e = scrapes.parsed();
            assertEquals(1.0, e.one("vmpulse_vm_final", "vm_id", "vm-b").value());
            assertEquals(0.0, e.one("vmpulse_vm_up", "vm_id", "vm-b", "source", "host").value());
            assertEquals(1.0, e.one("vmpulse_registry_slots", "state", "final").value());

            reg.release("vm-b");
            e = scrapes.parsed();
            assertTrue(
                    e.samples().stream().noneMatch(s -> "vm-b".equals(s.label("vm_id"))),
                    "no series of vm-b after its slot is freed");
            assertTrue(e.has("vmpulse_guest_cpu_seconds_total", "vm_id", "vm-a"));
        }
    }

    @Test
    void every_per_vm_series_carries_vm_id_and_none_carries_instance_or_job() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish("vm-a", r -> full(r, 1));
            Exposition e = new Scrapes(reg.path()).parsed();
            Set<String> hostWide =
                    Set.of(
                            "vmpulse_registry_up",
                            "vmpulse_registry_info",
                            "vmpulse_collector_heartbeat_age_seconds",
                            "vmpulse_collector_closed",
                            "vmpulse_collector_start_time_seconds",
                            "vmpulse_registry_slots",
                            "vmpulse_registry_unreadable_slots");
            for (Sample s : e.samples()) {
                assertFalse(
                        s.labels().containsKey("instance") || s.labels().containsKey("job"),
                        s.toString());
                if (!hostWide.contains(s.name())) {
                    assertEquals("vm-a", s.label("vm_id"), s.toString());
                }
            }
        }
    }

    @Test
    void a_stale_heartbeat_marks_both_halves_of_every_vm_down() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish("vm-a", r -> full(r, 1));
            Scrapes scrapes =
                    new Scrapes(reg.path(), new ExportOptions(Duration.ofMillis(200), null));
            assertEquals(1.0, scrapes.parsed().one("vmpulse_vm_up", "source", "guest").value());
            Thread.sleep(400);
            Exposition e = scrapes.parsed();
            assertEquals(0.0, e.one("vmpulse_vm_up", "source", "guest").value());
            assertEquals(0.0, e.one("vmpulse_vm_up", "source", "host").value());
            assertTrue(e.one("vmpulse_collector_heartbeat_age_seconds").value() >= 0.4);
            reg.heartbeat();
            reg.publish("vm-a", r -> full(r, 1));
            assertEquals(1.0, scrapes.parsed().one("vmpulse_vm_up", "source", "host").value());
        }
    }

    @Test
    void a_guest_stale_flag_marks_only_the_guest_half_down() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish(
                    "vm-a",
                    r -> {
                        full(r, 1);
                        r.setFlags(RecordFlags.FLAG_GUEST_STALE, true);
                    });
            Exposition e = new Scrapes(reg.path()).parsed();
            assertEquals(0.0, e.one("vmpulse_vm_up", "source", "guest").value());
            assertEquals(1.0, e.one("vmpulse_vm_up", "source", "host").value());
        }
    }

    @Test
    void repeated_guest_mounts_and_cpu_numbers_give_one_series_each() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4)) {
            reg.publish(
                    "vm-a",
                    r -> {
                        full(r, 1);
                        r.putString(RecordFields.FS_MOUNT_POINT, 1, "/");
                        r.putString(RecordFields.FS_DEVICE, 1, "/dev/vda");
                        r.putInt(RecordFields.CPU_NUMBER, 1, 0);
                    });
            Exposition e = new Scrapes(reg.path()).parsed();
            assertEquals(
                    2,
                    e.named("vmpulse_guest_filesystem_size_bytes").size(),
                    "/ twice and /mnt/data2");
            assertEquals(
                    1060.0 * 4096,
                    e.one("vmpulse_guest_filesystem_size_bytes", "mountpoint", "/").value(),
                    "the first entry's value");
            assertEquals(8, e.named("vmpulse_guest_cpu_seconds_total").size(), "cpu 0 once");
        }
    }

    @Test
    void a_registry_cut_short_under_the_exporter_makes_the_scrape_say_so_instead_of_failing()
            throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 64)) {
            reg.publish("vm-a", r -> full(r, 1));
            Scrapes scrapes = new Scrapes(reg.path());
            assertEquals(1.0, scrapes.parsed().one("vmpulse_registry_up").value());
            try (java.nio.channels.FileChannel ch =
                    java.nio.channels.FileChannel.open(
                            reg.path(), java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(4096);
            }
            Exposition e = scrapes.parsed();
            assertEquals(0.0, e.one("vmpulse_registry_up").value());
            assertTrue(e.samples().stream().noneMatch(s -> s.labels().containsKey("vm_id")));
        }
    }

    @Test
    void without_a_registry_the_scrape_says_so_and_has_no_vm_series() {
        Exposition e = new Scrapes(dir.resolve("none")).parsed();
        assertEquals(0.0, e.one("vmpulse_registry_up").value());
        assertTrue(e.samples().stream().noneMatch(s -> s.labels().containsKey("vm_id")));
    }

    @Test
    void a_registry_replaced_by_a_restarted_collector_is_followed() throws Exception {
        Path file = dir.resolve("registry");
        Scrapes scrapes;
        try (TestRegistry first = new TestRegistry(file, 4)) {
            first.publish("before", r -> full(r, 1));
            scrapes = new Scrapes(file);
            assertTrue(scrapes.parsed().has("vmpulse_vm_info", "vm_id", "before"));
        }
        try (TestRegistry second = new TestRegistry(file, 4)) {
            second.publish("after", r -> full(r, 2));
            Exposition e = scrapes.parsed();
            assertTrue(e.has("vmpulse_vm_info", "vm_id", "after"));
            assertFalse(e.has("vmpulse_vm_info", "vm_id", "before"));
        }
    }
}
