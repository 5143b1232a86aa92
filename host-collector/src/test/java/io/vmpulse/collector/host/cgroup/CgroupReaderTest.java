package io.vmpulse.collector.host.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real cgroup v2 made by the test (root), with a CPU-burning child moved into it, as a jailer
 * puts a VMM into a cgroup of its own.
 */
@Timeout(60)
class CgroupReaderTest {

    private static final Path PROC = Path.of("/proc");

    private Path cgroup;
    private Process child;

    @BeforeEach
    void startChild() throws Exception {
        Path mount = CgroupReader.cgroup2Mount(PROC.resolve("self/mountinfo"));
        assertNotNull(
                mount,
                "this machine has a cgroup2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified)");
        cgroup =
                mount.resolve(
                        "vmpulse-test-"
                                + Long.toHexString(
                                        ThreadLocalRandom.current().nextLong() & 0xffffffL));
        Files.createDirectory(cgroup);
        // sh runs the loop itself: its pid is the one that burns CPU.
        child = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    }

    @AfterEach
    void stopChild() throws Exception {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup);
            } catch (FileSystemException busy) {
                Thread.sleep(100);
            }
        }
    }

    private int pid() {
        return (int) child.pid();
    }

    private void moveChildIn() throws Exception {
        Files.writeString(cgroup.resolve("cgroup.procs"), Integer.toString(pid()));
    }

    @Test
    void the_vms_own_cgroup_is_found_from_proc_and_its_cpu_usage_grows() throws Exception {
        moveChildIn();
        assertEquals(
                "/" + cgroup.getFileName(),
                CgroupReader.unifiedPath(PROC.resolve(pid() + "/cgroup")));
        try (CgroupReader reader = new CgroupReader(PROC, pid(), null)) {
            HostReading first = new HostReading();
            reader.readInto(first);
            Thread.sleep(300);
            HostReading later = new HostReading();
            reader.readInto(later);
            assertTrue(later.isPresent(Source.CGROUP), () -> later.error(Source.CGROUP));
            assertTrue(later.cgroupCpuUsageNs > first.cgroupCpuUsageNs, "a busy loop uses CPU");
        }
    }

    /**
     * Enables the memory and io controllers for the test's cgroup where this kernel lets it, and
     * checks memory against a child that touches a known amount. On a host where cgroup v2 does not
     * offer them (hybrid mode, the controllers bound to v1 hierarchies: here the cgroup2 mount's
     * cgroup.controllers lists only {@code hugetlb}, and writing {@code +memory} to
     * cgroup.subtree_control fails with ENOENT), it checks what the reader must do then: report
     * memory and io ABSENT, not 0, while the source stays present.
     */
    @Test
    void memory_current_grows_with_what_the_vm_touches_and_is_absent_without_the_controller()
            throws Exception {
        Path parent = cgroup.getParent();
        String controllers = Files.readString(parent.resolve("cgroup.controllers")).trim();
        boolean memory = enable(parent, "memory");
        boolean io = enable(parent, "io");
        assertEquals(
                List.of(controllers.contains("memory"), controllers.contains("io")),
                List.of(memory, io),
                "a controller can be enabled exactly when cgroup.controllers lists it: '"
                        + controllers
                        + "'");
        Path child = Files.createDirectory(cgroup.resolve("vm"));
        Process toucher =
                new ProcessBuilder(
                                "python3",
                                "-c",
                                "import sys\n"
                                        + "sys.stdin.readline()\n"
                                        + "b = bytearray(b'\\x01') * ("
                                        + TOUCHED
                                        + ")\n"
                                        + "print('touched', flush=True)\n"
                                        + "sys.stdin.readline()\n")
                        .start();
        try (CgroupReader reader = new CgroupReader(PROC, 0, child)) {
            Files.writeString(child.resolve("cgroup.procs"), Long.toString(toucher.pid()));
            HostReading before = new HostReading();
            reader.readInto(before);
            toucher.getOutputStream().write('\n');
            toucher.getOutputStream().flush();
            assertEquals(
                    "touched",
                    new java.io.BufferedReader(
                                    new java.io.InputStreamReader(toucher.getInputStream()))
                            .readLine());
            HostReading after = new HostReading();
            reader.readInto(after);
            assertTrue(after.isPresent(Source.CGROUP), () -> after.error(Source.CGROUP));
            if (memory) {
                long file =
                        Long.parseLong(Files.readString(child.resolve("memory.current")).trim());
                assertTrue(
                        after.cgroupMemoryCurrentBytes >= before.cgroupMemoryCurrentBytes + TOUCHED,
                        "grew by at least the "
                                + TOUCHED
                                + " bytes touched: "
                                + before.cgroupMemoryCurrentBytes
                                + " -> "
                                + after.cgroupMemoryCurrentBytes);
                assertTrue(
                        Math.abs(file - after.cgroupMemoryCurrentBytes) < TOUCHED / 4,
                        "the file, read again");
            } else {
                assertFalse(Files.exists(child.resolve("memory.current")));
                assertEquals(HostReading.ABSENT, after.cgroupMemoryCurrentBytes);
            }
            if (!io) {
                assertFalse(Files.exists(child.resolve("io.stat")));
                assertEquals(HostReading.ABSENT, after.cgroupIoReadBytes);
                assertEquals(HostReading.ABSENT, after.cgroupIoWriteBytes);
            }
        } finally {
            toucher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            for (int i = 0; i < 50 && Files.exists(child); i++) {
                try {
                    Files.delete(child);
                } catch (FileSystemException busy) {
                    Thread.sleep(100);
                }
            }
        }
    }

    private static final long TOUCHED = 64L << 20;

    /**
     * Writes {@code +name} to the subtree_control of {@code parent} and of the test's cgroup; false
     * if refused.
     */
    private boolean enable(Path parent, String name) {
        try {
            Files.writeString(parent.resolve("cgroup.subtree_control"), "+" + name);
            Files.writeString(cgroup.resolve("cgroup.subtree_control"), "+" + name);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void a_vmm_sharing_the_collectors_cgroup_has_no_cgroup_source() throws Exception {
        assertEquals(
                CgroupReader.unifiedPath(PROC.resolve("self/cgroup")),
                CgroupReader.unifiedPath(PROC.resolve(pid() + "/cgroup")),
                "a fresh child shares the test's cgroup (the root one, or a shared one)");
        try (CgroupReader reader = new CgroupReader(PROC, pid(), null)) {
            HostReading r = new HostReading();
            reader.readInto(r);
            assertFalse(r.isPresent(Source.CGROUP));
            assertFalse(r.isFailed(Source.CGROUP));
        }
    }

    @Test
    void a_given_cgroup_path_is_read_and_its_removal_marks_the_source_failed() throws Exception {
        moveChildIn();
        try (CgroupReader reader = new CgroupReader(PROC, 0, cgroup)) {
            HostReading r = new HostReading();
            reader.readInto(r);
            assertTrue(r.isPresent(Source.CGROUP));

            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            stopChild();
            assertFalse(Files.exists(cgroup));
            reader.readInto(r);
            assertTrue(r.isFailed(Source.CGROUP));
            assertEquals(HostReading.ABSENT, r.cgroupCpuUsageNs);
        }
    }

    @Test
    void io_stat_lines_are_summed_over_devices() throws Exception {
        Path fake = Files.createTempDirectory("vmpulse-cgroup");
        try {
            Files.writeString(
                    fake.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
            Files.writeString(fake.resolve("memory.current"), "8388608\n");
            Files.writeString(
                    fake.resolve("io.stat"),
                    "8:0 rbytes=4096 wbytes=512 rios=2 wios=1 dbytes=0 dios=0\n"
                            + "253:1 rbytes=1000 wbytes=24 rios=3 wios=4 dbytes=0 dios=0\n");
            try (CgroupReader reader = new CgroupReader(PROC, 0, fake)) {
                HostReading r = new HostReading();
                reader.readInto(r);
                assertTrue(r.isPresent(Source.CGROUP), () -> r.error(Source.CGROUP));
                assertEquals(1_500_000, r.cgroupCpuUsageNs);
                assertEquals(8388608, r.cgroupMemoryCurrentBytes);
                assertEquals(5096, r.cgroupIoReadBytes);
                assertEquals(536, r.cgroupIoWriteBytes);
            }
        } finally {
            for (String f : List.of("cpu.stat", "memory.current", "io.stat")) {
                Files.deleteIfExists(fake.resolve(f));
            }
            Files.delete(fake);
        }
    }
}
