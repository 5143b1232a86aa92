package io.vmpulse.collector.vmtest;

import static io.vmpulse.registry.layout.RecordFields.AGENT_VERSION;
import static io.vmpulse.registry.layout.RecordFields.BOOT_ID;
import static io.vmpulse.registry.layout.RecordFields.CPU_COUNT;
import static io.vmpulse.registry.layout.RecordFields.CPU_IDLE_NS_EACH;
import static io.vmpulse.registry.layout.RecordFields.CPU_NUMBER;
import static io.vmpulse.registry.layout.RecordFields.CPU_ONLINE;
import static io.vmpulse.registry.layout.RecordFields.DISK_COUNT;
import static io.vmpulse.registry.layout.RecordFields.DISK_NAME;
import static io.vmpulse.registry.layout.RecordFields.DISK_READ_BYTES;
import static io.vmpulse.registry.layout.RecordFields.DISK_READ_BYTES_EACH;
import static io.vmpulse.registry.layout.RecordFields.FS_COUNT;
import static io.vmpulse.registry.layout.RecordFields.FS_DEVICE;
import static io.vmpulse.registry.layout.RecordFields.FS_MOUNT_POINT;
import static io.vmpulse.registry.layout.RecordFields.FS_SIZE_BYTES;
import static io.vmpulse.registry.layout.RecordFields.FS_TYPE;
import static io.vmpulse.registry.layout.RecordFields.GUEST_MONO_NS;
import static io.vmpulse.registry.layout.RecordFields.GUEST_SEQ;
import static io.vmpulse.registry.layout.RecordFields.HYPERVISOR;
import static io.vmpulse.registry.layout.RecordFields.KERNEL_RELEASE;
import static io.vmpulse.registry.layout.RecordFields.LAST_GUEST_UNIX_NS;
import static io.vmpulse.registry.layout.RecordFields.MEM_TOTAL_BYTES;
import static io.vmpulse.registry.layout.RecordFields.NET_RX_BYTES;
import static io.vmpulse.registry.layout.RecordFields.NET_TX_BYTES;
import static io.vmpulse.registry.layout.RecordFields.NIC_COUNT;
import static io.vmpulse.registry.layout.RecordFields.NIC_NAME;
import static io.vmpulse.registry.layout.RecordFields.NIC_RX_BYTES_EACH;
import static io.vmpulse.registry.layout.RecordFields.VCPU_RUN_NS;
import static io.vmpulse.registry.layout.RecordFlags.FLAG_FINAL;
import static io.vmpulse.registry.layout.RecordFlags.FLAG_GUEST_CONNECTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain in a real VM: the image that {@code images/build.sh} makes (built here if it is
 * missing or older than the agent jar) boots in QEMU (software emulation, 2 vCPUs, 256 MiB, virtio
 * disk, virtio-net on a TAP in a network namespace this test creates), busybox init starts the
 * agent, the agent streams over TCP through the TAP to a collector that runs in the same namespace
 * (so it reads that namespace's TAP counters), and the published slot is checked against what the
 * VM really is and does.
 *
 * <p>The test writes an {@code /etc/rc.local} into its copy of the image (debugfs, no mount) that
 * reports the agent's RSS and eth0's transmitted bytes on the console every 2 s and, once the agent
 * is connected, reads 16 MiB of its disk with the page cache dropped and then kills the agent,
 * which busybox init must start again.
 *
 * <p>Needs root, qemu-system-x86, iproute2, e2fsprogs (and what build.sh installs).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class GuestImageVmTest {

    private static final String VM_ID = "image-vm";
    private static final String TAP = "vmpimg0";
    private static final String HOST_IP = "10.214.0.1";
    private static final String GUEST_IP = "10.214.0.2";
    private static final int PORT = 7070;
    private static final int MEMORY_MIB = 256;
    private static final long DISK_READ_BYTES_BY_GUEST = 16L << 20;

    private static final String RC_LOCAL =
            """
            #!/bin/sh
            # vmtest: agent RSS and eth0 tx on the console every 2 s; once the agent is connected to
            # port 7070 (0x1B9E; in tcp or tcp6, by the collector address's family), one
            # read of 16 MiB of the disk, and 10 s later a kill -9 of the agent (init respawns it).
            (
            phase=connecting
            while :; do
                sleep 2
                pid=$(pidof java)
                rss=$(sed -n 's/^VmRSS:[[:space:]]*\\([0-9]*\\).*/\\1/p' /proc/$pid/status 2>/dev/null)
                echo "vmtest: rss_kb=${rss:-0} eth0_tx=$(cat /sys/class/net/eth0/statistics/tx_bytes)"
                case $phase in
                connecting)
                    if grep -q ':1B9E 01 ' /proc/net/tcp /proc/net/tcp6; then
                        echo "vmtest: disk read in 3 s"
                        sleep 3
                        echo 3 > /proc/sys/vm/drop_caches
                        dd if=/dev/vda of=/dev/null bs=1M count=16 2>/dev/null
                        echo "vmtest: disk read done"
                        phase=1
                    fi ;;
                [1-4]) phase=$((phase + 1)) ;;
                5)
                    kill -9 $pid && echo "vmtest: agent $pid killed"
                    phase=done ;;
                esac
            done
            ) > /dev/console 2>&1 &
            """;

    private static final Pattern REPORT = Pattern.compile("vmtest: rss_kb=(\\d+) eth0_tx=(\\d+)");

    @TempDir Path dir;

    private final String ns =
            "vmpulse-vm-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    private final List<Process> processes = new ArrayList<>();
    private boolean nsCreated;

    @Test
    void the_agent_in_a_booted_image_publishes_what_the_vm_is_and_does() throws Exception {
        Path repo = Path.of("").toAbsolutePath().getParent();
        Path out = ImageBuild.ensureBuilt(repo);
        Path image = dir.resolve("rootfs.ext4");
        Files.copy(out.resolve("rootfs.ext4"), image);
        addRcLocal(image);
        long usableBytes = usableBytes(image);

        createNamespaceAndTap();
        Path registry = Path.of("/dev/shm", "vmpulse-" + ns);
        Path descriptors = Files.createDirectory(dir.resolve("vms.d"));
        Path config =
                Files.writeString(
                        dir.resolve("collector.json"),
                        """
                { "registry": { "path": "%s", "slots": 8 }, "descriptorDir": "%s", "controlSocket": "",
                  "tcpEnabled": true, "intervalMs": 1000, "graceMs": 2000 }
                """
                                .formatted(registry, descriptors));
        try {
            start(
                    "collector.log",
                    List.of(
                            "ip",
                            "netns",
                            "exec",
                            ns,
                            javaBinary(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.vmpulse.collector.cli.CollectorMain",
                            "serve",
                            "--config",
                            config.toString()));
            Path qmp = dir.resolve("qmp.sock");
            Path console = dir.resolve("console.log");
            long qemuStart = System.nanoTime();
            Process qemu =
                    start(
                            "qemu.log",
                            List.of(
                                    "ip",
                                    "netns",
                                    "exec",
                                    ns,
                                    "qemu-system-x86_64",
                                    "-machine",
                                    "q35",
                                    "-accel",
                                    "tcg",
                                    "-smp",
                                    "2",
                                    "-m",
                                    Integer.toString(MEMORY_MIB),
                                    "-nodefaults",
                                    "-no-user-config",
                                    "-display",
                                    "none",
                                    "-no-reboot",
                                    "-kernel",
                                    out.resolve("vmlinuz").toString(),
                                    "-initrd",
                                    out.resolve("initrd.img").toString(),
                                    "-append",
                                    "console=ttyS0 root=/dev/vda rw quiet panic=-1 vmpulse.ip="
                                            + GUEST_IP
                                            + "/24"
                                            + " vmpulse.collector=tcp://"
                                            + HOST_IP
                                            + ":"
                                            + PORT,
                                    "-drive",
                                    "file=" + image + ",if=virtio,format=raw,id=root",
                                    "-netdev",
                                    "tap,id=net0,ifname=" + TAP + ",script=no,downscript=no",
                                    "-device",
                                    "virtio-net-pci,netdev=net0",
                                    "-qmp",
                                    "unix:" + qmp + ",server=on,wait=off",
                                    "-serial",
                                    "file:" + console));
            Path descriptor = descriptors.resolve(VM_ID + ".json");
            writeAtomically(
                    descriptor,
                    """
                    { "id": "%s", "hypervisor": "qemu", "vmm_pid": %d,
                      "guest": { "tcp": { "host": "%s", "port": %d } },
                      "taps": ["%s"], "block_devices": ["root"], "host": { "qmp_socket": "%s" } }
                    """
                            .formatted(VM_ID, qemu.pid(), HOST_IP, PORT, TAP, qmp));

            try (Slots slots = Slots.open(registry, VM_ID, console)) {
                VmRecord first =
                        slots.await(
                                "a guest sample",
                                240,
                                s -> s.hasFlags(FLAG_GUEST_CONNECTED) && s.getLong(GUEST_SEQ) > 0);
                double toFirstSample = (System.nanoTime() - qemuStart) / 1e9;

                assertEquals(2, first.getUnsignedInt(CPU_ONLINE), "the guest sees -smp 2");
                long memTotal = first.getLong(MEM_TOTAL_BYTES);
                // The kernel keeps its code, page tables and reserved ranges: Debian's, about 50
                // MiB.
                assertTrue(
                        memTotal <= (long) MEMORY_MIB << 20
                                && memTotal >= ((long) MEMORY_MIB << 20) * 3 / 4,
                        () ->
                                "MemTotal "
                                        + memTotal
                                        + " is -m "
                                        + MEMORY_MIB
                                        + " MiB less what the kernel keeps");
                assertEquals(
                        usableBytes,
                        rootFilesystemSize(first),
                        "statfs of / is the image's blocks less ext4's overhead (inode tables, journal, ...)");

                // ABI 1.3 from a real guest and a real QEMU.
                assertEquals(
                        2, first.getUnsignedInt(CPU_COUNT), "one cpu[] entry per vCPU of -smp 2");
                assertEquals(
                        List.of(0L, 1L),
                        List.of(
                                first.getUnsignedInt(CPU_NUMBER, 0),
                                first.getUnsignedInt(CPU_NUMBER, 1)));
                assertTrue(
                        first.getLong(CPU_IDLE_NS_EACH, 0) > 0
                                && first.getLong(CPU_IDLE_NS_EACH, 1) > 0);
                assertEquals(
                        kernelVersion(out.resolve("vmlinuz")),
                        first.getString(KERNEL_RELEASE),
                        "the Hello's kernel_release is the version in the booted bzImage's header");
                assertTrue(!first.getString(AGENT_VERSION).isEmpty(), "the Hello's agent_version");
                assertEquals(
                        "/dev/vda", first.getString(FS_DEVICE, rootIndex(first)), "root=/dev/vda");
                assertEquals("qemu", first.getString(HYPERVISOR));
                VmRecord devices =
                        slots.await(
                                "per-device host counters",
                                60,
                                s ->
                                        s.getUnsignedInt(DISK_COUNT) == 1
                                                && s.getUnsignedInt(NIC_COUNT) == 1);
                assertEquals(
                        "root",
                        devices.getString(DISK_NAME, 0),
                        "the -drive id, from query-blockstats");
                assertEquals(
                        devices.getLong(DISK_READ_BYTES),
                        devices.getLong(DISK_READ_BYTES_EACH, 0),
                        "one drive: all of it");
                assertEquals(TAP, devices.getString(NIC_NAME, 0));
                assertEquals(
                        devices.getLong(NET_RX_BYTES),
                        devices.getLong(NIC_RX_BYTES_EACH, 0),
                        "one TAP: all of it");

                slots.console.await("vmtest: disk read in 3 s", 120);
                VmRecord before = slots.latest();
                slots.console.await("vmtest: disk read done", 120);
                long sentAfterRead = slots.console.lastTxAfter(slots.console.length());
                // QMP is read on the collector's socket pool, a round behind the merge
                // (HostSampler):
                // the first sample after the read may still carry the round before it.
                VmRecord newer = slots.awaitNewer(before, 2500);
                for (int round = 0;
                        round < 3
                                && newer.getLong(DISK_READ_BYTES) - before.getLong(DISK_READ_BYTES)
                                        < DISK_READ_BYTES_BY_GUEST;
                        round++) {
                    newer = slots.awaitNewer(newer, 2500);
                }
                VmRecord after = newer;
                long readByGuest = after.getLong(DISK_READ_BYTES) - before.getLong(DISK_READ_BYTES);
                assertTrue(
                        readByGuest >= DISK_READ_BYTES_BY_GUEST,
                        () ->
                                "QMP counts "
                                        + readByGuest
                                        + " bytes read while the guest read 16 MiB");
                assertTrue(
                        after.getLong(VCPU_RUN_NS) > before.getLong(VCPU_RUN_NS),
                        "vCPU threads ran");
                assertTrue(
                        after.getLong(NET_TX_BYTES) >= sentAfterRead,
                        () ->
                                "the TAP saw "
                                        + after.getLong(NET_TX_BYTES)
                                        + " bytes from the guest, whose eth0 had sent "
                                        + sentAfterRead
                                        + " bytes before");
                assertTrue(
                        after.getLong(NET_TX_BYTES) > after.getLong(NET_RX_BYTES),
                        "the guest streams samples up and gets acknowledgements back: more up than down");
                assertTrue(
                        after.getLong(GUEST_SEQ) > first.getLong(GUEST_SEQ), "samples keep coming");

                long rssKb = slots.console.lastRssKb();
                System.out.printf(
                        "vmtest: kernel start to first guest sample in the agent %.1f s (guest clock),"
                                + " QEMU start to first sample in the registry %.1f s, agent RSS %d KiB,"
                                + " guest sent %d bytes for %d samples%n",
                        first.getLong(GUEST_MONO_NS) / 1e9,
                        toFirstSample,
                        rssKb,
                        after.getLong(NET_TX_BYTES),
                        after.getLong(GUEST_SEQ));

                slots.console.await(" killed", 120);
                long killedUnixNs = System.currentTimeMillis() * 1_000_000L;
                VmRecord respawned =
                        slots.await(
                                "a sample from the respawned agent",
                                240,
                                s ->
                                        s.hasFlags(FLAG_GUEST_CONNECTED)
                                                && s.getLong(LAST_GUEST_UNIX_NS) > killedUnixNs);
                assertEquals(
                        2,
                        slots.console.count("AgentMain: vmpulse-guest-agent"),
                        "init started the agent twice");

                qemu.destroyForcibly();
                assertTrue(qemu.waitFor(20, TimeUnit.SECONDS), "QEMU exits when killed");
                Files.delete(descriptor);
                VmRecord last = slots.await("the final sample", 30, s -> s.hasFlags(FLAG_FINAL));
                assertEquals(
                        respawned.getString(BOOT_ID),
                        last.getString(BOOT_ID),
                        "the final sample keeps the last guest data");
                assertTrue(
                        last.getLong(LAST_GUEST_UNIX_NS) >= respawned.getLong(LAST_GUEST_UNIX_NS));
                slots.awaitFreed(30);
            }
        } finally {
            Files.deleteIfExists(registry);
        }
    }

    /** The index of "/" in fs[]. */
    private static int rootIndex(VmRecord s) {
        for (int i = 0; i < s.getUnsignedInt(FS_COUNT); i++) {
            if (s.getString(FS_MOUNT_POINT, i).equals("/")) {
                return i;
            }
        }
        throw new AssertionError("the guest reports no / filesystem");
    }

    /**
     * The kernel release a bzImage boots as: its setup header (Documentation/arch/x86/boot.rst)
     * holds at 0x20E the offset, less 0x200, of a NUL-terminated string starting with it.
     */
    private static String kernelVersion(Path bzImage) throws Exception {
        byte[] b = Files.readAllBytes(bzImage);
        assertEquals("HdrS", new String(b, 0x202, 4, java.nio.charset.StandardCharsets.US_ASCII));
        int at = ((b[0x20E] & 0xff) | (b[0x20F] & 0xff) << 8) + 0x200;
        int end = at;
        while (b[end] != 0) {
            end++;
        }
        return new String(b, at, end - at, java.nio.charset.StandardCharsets.US_ASCII)
                .split(" ")[0];
    }

    /** The size the guest reports for "/", which must be there and be ext4. */
    private static long rootFilesystemSize(VmRecord s) {
        for (int i = 0; i < s.getUnsignedInt(FS_COUNT); i++) {
            if (s.getString(FS_MOUNT_POINT, i).equals("/")) {
                assertEquals("ext4", s.getString(FS_TYPE, i));
                return s.getLong(FS_SIZE_BYTES, i);
            }
        }
        throw new AssertionError("the guest reports no / filesystem");
    }

    /**
     * What statfs reports as the size of the file system in IMAGE: (block count - overhead) x block
     * size.
     */
    private static long usableBytes(Path image) throws Exception {
        String header = Exec.run(List.of("dumpe2fs", "-h", image.toString()), 30);
        return (superblockField(header, "Block count")
                        - superblockField(header, "Overhead clusters"))
                * superblockField(header, "Block size");
    }

    private static long superblockField(String dumpe2fs, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)$").matcher(dumpe2fs);
        assertTrue(m.find(), () -> "dumpe2fs shows no " + name);
        return Long.parseLong(m.group(1));
    }

    private void addRcLocal(Path image) throws Exception {
        Path rc = Files.writeString(dir.resolve("rc.local"), RC_LOCAL);
        Path commands =
                Files.writeString(
                        dir.resolve("debugfs.cmd"),
                        "write " + rc + " /etc/rc.local\nsif /etc/rc.local mode 0100755\n");
        Exec.run(List.of("debugfs", "-w", "-f", commands.toString(), image.toString()), 30);
    }

    private void createNamespaceAndTap() throws Exception {
        Exec.run(List.of("ip", "netns", "add", ns), 10);
        nsCreated = true;
        // No IPv6: its autoconfiguration would add traffic of its own to the TAP's counters.
        Exec.run(
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1"),
                10);
        Exec.run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), 10);
        Exec.run(List.of("ip", "-n", ns, "tuntap", "add", "dev", TAP, "mode", "tap"), 10);
        Exec.run(List.of("ip", "-n", ns, "addr", "add", HOST_IP + "/24", "dev", TAP), 10);
        Exec.run(List.of("ip", "-n", ns, "link", "set", TAP, "up"), 10);
    }

    private Process start(String log, List<String> command) throws IOException {
        Process p =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(log).toFile())
                        .start();
        processes.add(p);
        return p;
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Kills what the test started (ip netns exec execs, so these are QEMU and the collector) and
     * the namespace.
     */
    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        if (nsCreated) {
            for (String pid : Exec.run(List.of("ip", "netns", "pids", ns), 10).split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Exec.run(List.of("ip", "netns", "del", ns), 10);
        }
        for (String log : List.of("console.log", "collector.log", "qemu.log")) {
            Path f = dir.resolve(log);
            if (Files.exists(f)) {
                Files.copy(
                        f,
                        Path.of("target", "GuestImageVmTest-" + log),
                        StandardCopyOption.REPLACE_EXISTING);
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                System.out.println(
                        "---- "
                                + log
                                + " (last 3000 chars; all of it in target/GuestImageVmTest-"
                                + log
                                + ")\n"
                                + text.substring(Math.max(0, text.length() - 3000)));
            }
        }
    }

    /** The VM's slot in the registry, polled; failures name what the console showed last. */
    private static final class Slots implements AutoCloseable {
        private final RegistryReader reader;
        private final SlotSnapshot scratch;
        private final String vmId;
        final Console console;
        private int slot = -1;
        private long generation;

        private Slots(RegistryReader reader, String vmId, Console console) {
            this.reader = reader;
            this.scratch = reader.newSnapshot();
            this.vmId = vmId;
            this.console = console;
        }

        static Slots open(Path registry, String vmId, Path console) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    return new Slots(RegistryReader.open(registry), vmId, new Console(console));
                } catch (IOException e) { // not there yet, or still being laid out
                    assertTrue(
                            System.nanoTime() < deadline,
                            () -> "the collector made no registry in 60 s: " + e);
                    Thread.sleep(100);
                }
            }
        }

        /** The VM's current sample, or null while it has no slot. */
        VmRecord current() {
            if (slot < 0) {
                int[] found = {-1};
                reader.forEachLive(
                        scratch,
                        s -> {
                            if (vmId.equals(s.vmId())) {
                                found[0] = s.slot();
                            }
                        });
                if (found[0] < 0) {
                    return null;
                }
                slot = found[0];
            }
            if (!reader.read(slot, scratch) || scratch.isFree()) {
                return null;
            }
            generation = scratch.generation();
            byte[] bytes = scratch.sample().bytes();
            VmRecord copy = new VmRecord(bytes.length);
            System.arraycopy(bytes, 0, copy.bytes(), 0, bytes.length);
            return copy;
        }

        VmRecord latest() {
            VmRecord s = current();
            assertTrue(s != null, "the VM has a slot");
            return s;
        }

        VmRecord await(String what, int seconds, Predicate<VmRecord> test) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                VmRecord s = current();
                if (s != null && test.test(s)) {
                    return s;
                }
                assertTrue(
                        System.nanoTime() < deadline,
                        () -> "no " + what + " in " + seconds + " s; console:\n" + console.tail());
                Thread.sleep(200);
            }
        }

        /** A sample whose host half was read at least {@code millis} after {@code before}'s. */
        VmRecord awaitNewer(VmRecord before, long millis) throws Exception {
            Thread.sleep(millis);
            return await("newer sample", 10, s -> s.getLong(GUEST_SEQ) > before.getLong(GUEST_SEQ));
        }

        void awaitFreed(int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (reader.read(slot, scratch)
                    && !scratch.isFree()
                    && scratch.generation() == generation) {
                assertTrue(
                        System.nanoTime() < deadline,
                        "the slot is still taken " + seconds + " s after the VM left");
                Thread.sleep(200);
            }
        }

        @Override
        public void close() {
            reader.close();
        }
    }

    /** The VM's serial console, as QEMU writes it to a file. */
    private static final class Console {
        private final Path file;

        Console(Path file) {
            this.file = file;
        }

        String text() {
            try {
                return Files.exists(file)
                        ? Files.readString(file, StandardCharsets.ISO_8859_1)
                        : "";
            } catch (IOException e) {
                return "";
            }
        }

        int length() {
            return text().length();
        }

        String tail() {
            String t = text();
            return t.substring(Math.max(0, t.length() - 2000));
        }

        void await(String line, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!text().contains(line)) {
                assertTrue(
                        System.nanoTime() < deadline,
                        () ->
                                "no \""
                                        + line
                                        + "\" on the console in "
                                        + seconds
                                        + " s:\n"
                                        + tail());
                Thread.sleep(200);
            }
        }

        /** eth0's tx bytes from the first report written after {@code offset} (waits for it). */
        long lastTxAfter(int offset) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                Matcher m = REPORT.matcher(text().substring(offset));
                if (m.find()) {
                    return Long.parseLong(m.group(2));
                }
                assertTrue(System.nanoTime() < deadline, "no report on the console in 30 s");
                Thread.sleep(200);
            }
        }

        long count(String needle) {
            return text().lines().filter(l -> l.contains(needle)).count();
        }

        long lastRssKb() {
            Matcher m = REPORT.matcher(text());
            long rss = 0;
            while (m.find()) {
                rss = Long.parseLong(m.group(1));
            }
            return rss;
        }
    }
}
