package io.vmpulse.collector.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.vcpu.ThreadNames;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real QEMU (Debian package qemu-system-x86, software emulation) with two vCPUs, a QMP socket and
 * a virtio disk. The disk's boot sector is a loop that reads 8 sectors and writes 1 through the
 * BIOS, forever: SeaBIOS boots it, so vCPU 0 runs and the virtio disk's counters grow with no guest
 * kernel.
 */
@Timeout(120)
class QemuTest {

    /**
     * Real-mode code at 0x7c00:
     *
     * <pre>
     *   31 C0     xor ax,ax          8E C0     mov es,ax        89 D6     mov si,dx   (boot drive)
     * loop:
     *   89 F2     mov dx,si          B8 08 02  mov ax,0x0208 (read 8 sectors)
     *   B9 02 00  mov cx,2 (from sector 2)   BB 00 80  mov bx,0x8000   CD 13  int 13h
     *   89 F2     mov dx,si          B8 01 03  mov ax,0x0301 (write 1 sector)
     *   B9 0A 00  mov cx,10 (sector 10)      BB 00 80  mov bx,0x8000   CD 13  int 13h
     *   EB E4     jmp loop
     * </pre>
     */
    private static final int[] BOOT_CODE = {
        0x31, 0xC0, 0x8E, 0xC0, 0x89, 0xD6, 0x89, 0xF2, 0xB8, 0x08, 0x02, 0xB9, 0x02, 0x00, 0xBB,
        0x00, 0x80, 0xCD, 0x13, 0x89, 0xF2, 0xB8, 0x01, 0x03, 0xB9, 0x0A, 0x00, 0xBB, 0x00, 0x80,
        0xCD, 0x13, 0xEB, 0xE4,
    };

    @TempDir Path dir;

    private Process qemu;

    private Path startQemu(boolean threadNames) throws Exception {
        byte[] disk = new byte[1 << 20];
        for (int i = 0; i < BOOT_CODE.length; i++) {
            disk[i] = (byte) BOOT_CODE[i];
        }
        disk[510] = 0x55;
        disk[511] = (byte) 0xAA;
        Path image = Files.write(dir.resolve("disk.img"), disk);
        Path qmp = dir.resolve("qmp.sock");
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                "qemu-system-x86_64",
                                "-machine",
                                "q35",
                                "-accel",
                                "tcg",
                                "-smp",
                                "2",
                                "-m",
                                "128",
                                "-nodefaults",
                                "-no-user-config",
                                "-display",
                                "none",
                                "-qmp",
                                "unix:" + qmp + ",server=on,wait=off",
                                "-drive",
                                "file=" + image + ",if=virtio,format=raw,id=drive0"));
        if (threadNames) {
            cmd.addAll(List.of("-name", "vmpulse-test,debug-threads=on"));
        }
        try {
            qemu =
                    new ProcessBuilder(cmd)
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("qemu.log").toFile())
                            .start();
        } catch (IOException e) {
            throw new AssertionError(
                    "qemu-system-x86_64 is needed (Debian package qemu-system-x86)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(qmp)) {
            assertTrue(qemu.isAlive(), () -> "QEMU exited: " + log());
            assertTrue(System.nanoTime() < deadline, "no QMP socket after 20 s");
            Thread.sleep(50);
        }
        return qmp;
    }

    /**
     * QEMU may open its QMP socket before it has started and named its vCPU threads; the test is
     * about finding named threads, so it waits (on /proc, read independently) until they exist.
     */
    private void awaitNamedVcpuThreads(int count) throws Exception {
        Path tasks = Path.of("/proc", Long.toString(qemu.pid()), "task");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            long named = 0;
            try (var dirs = Files.list(tasks)) {
                for (Path task : (Iterable<Path>) dirs::iterator) {
                    try {
                        if (Files.readString(task.resolve("comm")).startsWith("CPU ")) {
                            named++;
                        }
                    } catch (IOException e) {
                        // the thread ended between the listing and the read
                    }
                }
            }
            if (named >= count) {
                return;
            }
            assertTrue(qemu.isAlive(), () -> "QEMU exited: " + log());
            assertTrue(
                    System.nanoTime() < deadline,
                    "QEMU named " + named + " vCPU threads in 20 s, not " + count);
            Thread.sleep(50);
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("qemu.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @AfterEach
    void killQemu() throws InterruptedException {
        if (qemu != null) {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private HostSampler sampler(Path qmp) {
        return new HostSampler(
                new HostTargets(
                        HypervisorKind.QEMU,
                        (int) qemu.pid(),
                        List.of(),
                        List.of("drive0"),
                        null,
                        qmp,
                        null,
                        false,
                        null),
                HostSampler.Options.defaults().withSocketTimeout(Duration.ofSeconds(2)));
    }

    @Test
    void vcpu_threads_from_qmp_and_block_stats_grow_while_the_guest_runs() throws Exception {
        Path qmp = startQemu(false);
        assertEquals(
                0,
                new ThreadNames(Path.of("/proc"), HypervisorKind.QEMU)
                        .find((int) qemu.pid())
                        .size(),
                "without debug-threads the vCPU threads have no names: only QMP can find them");
        try (HostSampler sampler = sampler(qmp)) {
            HostReading first = new HostReading();
            sampler.read(first);
            assertTrue(first.isPresent(Source.VCPU), () -> first.error(Source.VCPU));
            assertTrue(first.isPresent(Source.BLOCK), () -> first.error(Source.BLOCK));

            HostReading later = new HostReading();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            do {
                Thread.sleep(300);
                sampler.read(later);
            } while ((later.diskReadOps <= first.diskReadOps
                            || later.diskWriteOps <= first.diskWriteOps)
                    && System.nanoTime() < deadline);

            assertTrue(later.isPresent(Source.VCPU), () -> later.error(Source.VCPU));
            assertEquals(2, later.vcpuCount);
            assertEquals(2, later.vcpuSlots);
            assertTrue(later.vcpuRunNs > first.vcpuRunNs, "vCPU threads ran");
            assertTrue(
                    later.vcpuRunNsByIndex[0] > first.vcpuRunNsByIndex[0],
                    "vCPU 0 runs the boot loop");
            assertTrue(later.isPresent(Source.BLOCK), () -> later.error(Source.BLOCK));
            assertTrue(later.diskReadOps > first.diskReadOps, "the loop reads the virtio disk");
            assertTrue(later.diskReadBytes > first.diskReadBytes);
            assertTrue(later.diskWriteOps > first.diskWriteOps, "and writes it");
            assertEquals(
                    later.diskWriteBytes,
                    later.diskWriteOps * 512,
                    "one 512-byte sector per write");
            assertEquals(1, later.diskCount, "one entry for the one drive");
            assertEquals("drive0", later.diskName[0], "query-blockstats names it by its -drive id");
            assertEquals(later.diskReadBytes, later.diskReadBytesEach[0]);
            assertEquals(later.diskWriteBytes, later.diskWriteBytesEach[0]);
            assertEquals(later.diskReadOps, later.diskReadOpsEach[0]);
            assertEquals(later.diskWriteOps, later.diskWriteOpsEach[0]);
            assertTrue(later.isPresent(Source.PROCESS));
            assertTrue(later.vmmThreads >= 3, "main loop and two vCPU threads at least");

            qemu.destroyForcibly();
            assertTrue(qemu.waitFor(10, TimeUnit.SECONDS));
            HostReading gone = new HostReading();
            sampler.read(gone);
            for (Source s : List.of(Source.VCPU, Source.PROCESS, Source.BLOCK)) {
                assertTrue(gone.isFailed(s), s + " failed once QEMU is gone");
            }
        }
    }

    @Test
    void vcpu_threads_are_found_by_name_when_qmp_cannot_answer() throws Exception {
        startQemu(true);
        awaitNamedVcpuThreads(2);
        try (HostSampler sampler = sampler(dir.resolve("no-such-qmp.sock"))) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.VCPU), () -> r.error(Source.VCPU));
            assertEquals(2, r.vcpuCount, "CPU 0/TCG and CPU 1/TCG");
            assertTrue(r.isFailed(Source.BLOCK), "block stats need QMP");
        }
    }
}
