package io.vmpulse.collector.session;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.catalog.DescriptorJson;
import io.vmpulse.collector.catalog.Fixtures;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.HostEndpoints;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmDescriptors;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HypervisorKind;
import io.vmpulse.collector.ingest.GuestLimits;
import io.vmpulse.collector.testing.ReaderJson;
import io.vmpulse.collector.testing.RegistrySlots;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on this machine: the real guest agent jar, started as its own process, streams
 * over a hybrid-vsock Unix socket into a collector, which publishes into a real registry that the
 * Java, C and Python readers then read. The guest half is this machine's own /proc, checked against
 * an independent read.
 */
@Timeout(180)
class EndToEndTest {

    static final Path AGENT_JAR = Tools.ROOT.resolve("dist/target/vmpulse/guest-agent.jar");
    private static final Duration INTERVAL = Duration.ofMillis(250);
    private static final Duration GRACE = Duration.ofMillis(500);

    @TempDir Path dir;

    private final List<Process> agents = new ArrayList<>();
    private Collector collector;

    @AfterEach
    void stop() throws Exception {
        for (Process p : agents) {
            p.destroyForcibly().waitFor();
        }
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void agent_samples_reach_java_c_and_python_readers_and_match_this_machines_proc()
            throws Exception {
        VmCatalog vms = startCollector(4);
        Process agent = startAgent("e2e");
        vms.register(vm("e2e", (int) agent.pid()), VmSource.API);

        try (RegistryReader reader = RegistryReader.open(registryPath())) {
            VmRecord s =
                    await(
                            reader,
                            "e2e",
                            u ->
                                    u.getLong(GUEST_SEQ) >= 4
                                            && u.isPresent(RecordFlags.PRESENT_GUEST_RATES)
                                            && u.isPresent(RecordFlags.PRESENT_HOST_PROCESS));

            assertEquals(
                    memTotalBytes(),
                    s.getLong(MEM_TOTAL_BYTES),
                    "MemTotal, read independently from /proc/meminfo");
            assertEquals(cpuLines(), s.getUnsignedInt(CPU_ONLINE), "cpuN lines of /proc/stat");
            assertEquals(btime(), s.getLong(BOOT_TIME_UNIX_S), "btime of /proc/stat");
            int root = fsIndex(s, "/");
            assertTrue(root >= 0, "the root filesystem is reported");
            assertEquals(
                    statfsSizeBytes("/"), s.getLong(FS_SIZE_BYTES, root), "size of / from stat -f");
            assertTrue(s.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            assertFalse(s.hasFlags(RecordFlags.FLAG_GUEST_STALE));
            double busy = s.getDouble(GUEST_CPU_BUSY_PCT);
            double sum =
                    busy
                            + s.getDouble(GUEST_CPU_IDLE_PCT)
                            + s.getDouble(GUEST_CPU_IOWAIT_PCT)
                            + s.getDouble(GUEST_CPU_STEAL_PCT);
            assertEquals(100.0, sum, 1e-6, "CPU percentages cover the interval");
            assertTrue(
                    s.getLong(VMM_RSS_BYTES) > 0 && s.getLong(VMM_THREADS) > 1,
                    "the VMM (here: the agent) is read");

            // The guest goes silent: the host half keeps flowing and the guest half turns stale.
            agent.destroy();
            agent.waitFor();
            long hostBefore = s.getLong(LAST_HOST_MONO_NS);
            long guestBefore = s.getLong(LAST_GUEST_MONO_NS);
            VmRecord silent =
                    await(
                            reader,
                            "e2e",
                            u ->
                                    u.hasFlags(RecordFlags.FLAG_GUEST_STALE)
                                            && !u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            assertTrue(silent.getLong(LAST_HOST_MONO_NS) > hostBefore, "host half still published");
            assertTrue(silent.getLong(LAST_GUEST_MONO_NS) >= guestBefore);
            assertTrue(
                    silent.hasFlags(RecordFlags.FLAG_PROCESS_FAILING),
                    "the exited VMM shows as failing");
        }

        collector.close();
        collector = null;
        String java = ReaderJson.javaJson(registryPath());
        Tools.Result c =
                Tools.run(
                        List.of(Tools.cDump(dir).toString(), "--json", registryPath().toString()),
                        30);
        assertEquals(0, c.exit(), c.stderr());
        Tools.Result py = Tools.run(Tools.python("--json", registryPath().toString()), 60);
        assertEquals(0, py.exit(), py.stderr());
        List<Map<String, Object>> javaView = ReaderJson.parse(java);
        assertEquals(1, javaView.size());
        assertEquals("e2e", javaView.get(0).get("vm_id"));
        ReaderJson.assertSame("C", javaView, ReaderJson.parse(c.stdout()));
        ReaderJson.assertSame("Python", javaView, ReaderJson.parse(py.stdout()));
    }

    @Test
    void per_cpu_times_hello_strings_fs_device_and_descriptor_labels_reach_the_registry_as_read()
            throws Exception {
        VmCatalog vms = startCollector(2);
        List<long[]> before = perCpuTicks();
        Process agent = startAgent("abi13");
        Vm described =
                new Vm(
                        "abi13",
                        HypervisorKind.NONE,
                        OptionalInt.of((int) agent.pid()),
                        endpoint("abi13"),
                        List.of(),
                        List.of(),
                        HostEndpoints.NONE,
                        false,
                        Optional.empty(),
                        new TreeMap<>(Map.of("tenant", "acme", "app", "e2e")));
        vms.register(described, VmSource.API);

        try (RegistryReader reader = RegistryReader.open(registryPath())) {
            VmRecord s = await(reader, "abi13", u -> u.getLong(GUEST_SEQ) >= 2);
            List<long[]> after = perCpuTicks();

            assertEquals(
                    before.size(),
                    s.getUnsignedInt(CPU_COUNT),
                    "one entry per cpuN line of /proc/stat");
            assertEquals(0, s.getUnsignedInt(CPU_OMITTED));
            long nsPerTick =
                    1_000_000_000L
                            / Long.parseLong(
                                    Tools.run(List.of("getconf", "CLK_TCK"), 10).stdout().trim());
            // user, nice, system, irq, softirq, steal only ever grow; idle and iowait may step
            // back.
            RecordField[] growing = {
                CPU_USER_NS_EACH,
                CPU_NICE_NS_EACH,
                CPU_SYSTEM_NS_EACH,
                null,
                null,
                CPU_IRQ_NS_EACH,
                CPU_SOFTIRQ_NS_EACH,
                CPU_STEAL_NS_EACH
            };
            for (int i = 0; i < before.size(); i++) {
                assertEquals(
                        before.get(i)[0], s.getUnsignedInt(CPU_NUMBER, i), "cpu[" + i + "].number");
                for (int m = 0; m < growing.length; m++) {
                    if (growing[m] == null) {
                        continue;
                    }
                    long v = s.getLong(growing[m], i);
                    assertTrue(
                            before.get(i)[m + 1] * nsPerTick <= v
                                    && v <= after.get(i)[m + 1] * nsPerTick,
                            growing[m].name()
                                    + "["
                                    + i
                                    + "] = "
                                    + v
                                    + " ns lies between the two reads of /proc/stat");
                }
                assertTrue(
                        s.getLong(CPU_IDLE_NS_EACH, i) > 0,
                        "cpu" + before.get(i)[0] + " was idle at some time");
            }
            assertEquals(0, s.getLong(CPU_USER_NS_EACH, before.size()), "nothing past cpu_count");

            assertEquals(
                    Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                    s.getString(KERNEL_RELEASE),
                    "the Hello's kernel_release: uname -r");
            // Committed_AS moves with every allocation on this machine, so it is compared within a
            // factor of two of a read now: the field is the meminfo line, not 0 or another line.
            long committed = meminfoBytes("Committed_AS");
            long stored = s.getLong(RecordFields.MEM_COMMITTED_AS_BYTES);
            assertTrue(
                    stored > committed / 2 && stored < committed * 2,
                    "mem_committed_as_bytes "
                            + stored
                            + " vs /proc/meminfo Committed_AS "
                            + committed);
            String version;
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(AGENT_JAR.toFile())) {
                version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            }
            assertEquals(
                    version == null ? "0.0.0-dev" : version,
                    s.getString(AGENT_VERSION),
                    "the Hello's agent_version: the jar's Implementation-Version");
            assertEquals(
                    Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip(),
                    s.getString(BOOT_ID));

            int root = fsIndex(s, "/");
            assertTrue(root >= 0, "the root filesystem is reported");
            assertEquals(
                    rootMountSource(),
                    s.getString(FS_DEVICE, root),
                    "mount source of / from mountinfo");

            assertEquals("none", s.getString(HYPERVISOR));
            assertEquals("app=e2e\ntenant=acme", s.getString(LABELS));
            assertEquals(0, s.getUnsignedInt(LABELS_OMITTED));
        }
    }

    /** Every cpuN line of /proc/stat: N, then its first eight columns in ticks. */
    private static List<long[]> perCpuTicks() throws Exception {
        List<long[]> cpus = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.matches("cpu\\d+ .*")) {
                String[] f = line.trim().split("\\s+");
                long[] v = new long[9];
                v[0] = Long.parseLong(f[0].substring(3));
                for (int i = 1; i <= 8 && i < f.length; i++) {
                    v[i] = Long.parseLong(f[i]);
                }
                cpus.add(v);
            }
        }
        return cpus;
    }

    /**
     * The source of the last mount on / in this process's mountinfo (after the " - " separator:
     * fstype, source).
     */
    private static String rootMountSource() throws Exception {
        String source = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals("/")) {
                source = line.substring(line.indexOf(" - ") + 3).split(" ")[1];
            }
        }
        return source;
    }

    @Test
    void
            vm_that_goes_away_gets_a_final_sample_then_its_slot_is_freed_and_reused_with_a_new_generation()
                    throws Exception {
        // One slot: the next VM can only have the freed one (claims go round-robin otherwise).
        VmCatalog vms = startCollector(1);
        Process agent = startAgent("first");
        vms.register(vm("first", (int) agent.pid()), VmSource.API);
        try (RegistryReader reader = RegistryReader.open(registryPath())) {
            await(reader, "first", u -> u.getLong(GUEST_SEQ) >= 2);
            SlotSnapshot held = RegistrySlots.find(reader, "first");
            int slot = held.slot();
            long generation = held.generation();

            vms.unregister("first", VmSource.API);
            VmRecord last = await(reader, "first", u -> u.hasFlags(RecordFlags.FLAG_FINAL));
            assertFalse(last.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            awaitTrue(() -> reader.stateOf(slot) == 0, "slot freed after the grace period");

            vms.register(vm("second", (int) agent.pid()), VmSource.API);
            SlotSnapshot now = reader.newSnapshot();
            awaitTrue(() -> reader.read(slot, now) && "second".equals(now.vmId()), "slot reused");
            assertTrue(
                    now.generation() != generation, "a reader holding the old generation notices");
        }
    }

    @Test
    void updating_host_targets_keeps_the_slot_generation_and_the_guest_stream() throws Exception {
        VmCatalog vms = startCollector(2);
        Process agent = startAgent("upd");
        Vm first = vm("upd", (int) agent.pid());
        vms.register(first, VmSource.API);
        try (RegistryReader reader = RegistryReader.open(registryPath())) {
            await(
                    reader,
                    "upd",
                    u -> u.getLong(GUEST_SEQ) >= 2 && u.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            SlotSnapshot before = RegistrySlots.find(reader, "upd");
            int slot = before.slot();
            long generation = before.generation();
            long seq = before.sample().getLong(GUEST_SEQ);

            vms.update(
                    new Vm(
                            "upd",
                            HypervisorKind.NONE,
                            first.vmmPid(),
                            first.guest(),
                            List.of("vmpnotap0"),
                            List.of(),
                            HostEndpoints.NONE,
                            false,
                            Optional.empty()),
                    VmSource.API);
            VmRecord after =
                    await(
                            reader,
                            "upd",
                            u ->
                                    u.hasFlags(RecordFlags.FLAG_NET_FAILING)
                                            && u.getLong(GUEST_SEQ) > seq);
            SlotSnapshot now = RegistrySlots.find(reader, "upd");
            assertEquals(slot, now.slot());
            assertEquals(generation, now.generation(), "an update is not a new VM");
            assertTrue(
                    after.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED),
                    "the guest's stream was not cut");
        }
    }

    @Test
    void libkrun_vm_streams_the_real_agent_through_its_mapped_socket_into_the_registry()
            throws Exception {
        VmCatalog vms = startCollector(2);
        // The documented libkrun descriptor, with its mapped socket moved into this test's
        // directory.
        Path mapped = dir.resolve("krun-1-agent.sock");
        Process agent = startAgent("krun-1", mapped);
        String descriptor =
                Fixtures.text("good/krun-1.json")
                        .replace("/run/krun/krun-1-agent.sock", mapped.toString())
                        .replace("4545", Long.toString(agent.pid()));
        Vm krun = VmDescriptors.toVm(DescriptorJson.parse(descriptor));
        assertEquals(HypervisorKind.LIBKRUN, krun.hypervisor());
        assertEquals(new GuestEndpoint.LibkrunSocket(mapped), krun.guest());
        vms.register(krun, VmSource.API);

        try (RegistryReader reader = RegistryReader.open(registryPath())) {
            VmRecord s =
                    await(
                            reader,
                            "krun-1",
                            u ->
                                    u.getLong(GUEST_SEQ) >= 3
                                            && u.isPresent(RecordFlags.PRESENT_GUEST_RATES)
                                            && u.isPresent(RecordFlags.PRESENT_HOST_PROCESS));
            assertTrue(s.hasFlags(RecordFlags.FLAG_GUEST_CONNECTED));
            assertEquals(
                    memTotalBytes(),
                    s.getLong(MEM_TOTAL_BYTES),
                    "MemTotal, read independently from /proc/meminfo");
            assertEquals(cpuLines(), s.getUnsignedInt(CPU_ONLINE), "cpuN lines of /proc/stat");
            assertEquals(btime(), s.getLong(BOOT_TIME_UNIX_S), "btime of /proc/stat");
            assertTrue(
                    s.getLong(VMM_THREADS) > 1,
                    "the VMM pid from the descriptor (here: the agent) is read");
        }
    }

    // ---- harness ------------------------------------------------------------------------

    private VmCatalog startCollector(int slots) throws Exception {
        assertTrue(Files.isRegularFile(AGENT_JAR), "build the agent first: " + AGENT_JAR);
        CollectorSettings settings =
                CollectorSettings.registryOnly(
                        registryPath(), slots, INTERVAL, GRACE, GuestLimits.DEFAULT);
        collector = Collector.start(settings, HostSampler.Options.defaults());
        VmCatalog vms = new VmCatalog();
        vms.addListener(collector);
        return vms;
    }

    private Path registryPath() {
        return dir.resolve("registry");
    }

    private GuestEndpoint.HybridVsock endpoint(String id) {
        return new GuestEndpoint.HybridVsock(dir.resolve(id + ".vsock"), 1024);
    }

    private Vm vm(String id, int pid) {
        return new Vm(
                id,
                HypervisorKind.NONE,
                OptionalInt.of(pid),
                endpoint(id),
                List.of(),
                List.of(),
                HostEndpoints.NONE,
                false,
                Optional.empty());
    }

    private Process startAgent(String id) throws Exception {
        return startAgent(id, endpoint(id).listenPath());
    }

    private Process startAgent(String id, Path socket) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p =
                new ProcessBuilder(
                                java,
                                "-jar",
                                AGENT_JAR.toString(),
                                "--collector",
                                "unix://" + socket,
                                "--interval",
                                INTERVAL.toMillis() + "ms")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(id + "-agent.log").toFile())
                        .start();
        agents.add(p);
        return p;
    }

    private static VmRecord await(RegistryReader r, String vm, Predicate<VmRecord> ok)
            throws InterruptedException {
        return RegistrySlots.await(r, vm, Duration.ofSeconds(60), ok);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier ok, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 30 s");
            }
            Thread.sleep(20);
        }
    }

    private static int fsIndex(VmRecord s, String mountPoint) {
        for (int i = 0; i < s.getUnsignedInt(FS_COUNT); i++) {
            if (mountPoint.equals(s.getString(FS_MOUNT_POINT, i))) {
                return i;
            }
        }
        return -1;
    }

    private static long memTotalBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new AssertionError("no MemTotal");
    }

    private static long cpuLines() throws Exception {
        return Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(l -> l.matches("cpu\\d+ .*"))
                .count();
    }

    private static long btime() throws Exception {
        return Files.readAllLines(Path.of("/proc/stat")).stream()
                .filter(l -> l.startsWith("btime "))
                .mapToLong(l -> Long.parseLong(l.substring(6).trim()))
                .findFirst()
                .orElseThrow();
    }

    private static long statfsSizeBytes(String path) throws Exception {
        Tools.Result r = Tools.run(List.of("stat", "-f", "--format=%b %S", path), 10);
        String[] parts = r.stdout().trim().split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    /** A /proc/meminfo line of this machine, in bytes. */
    private static long meminfoBytes(String name) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).replace("kB", "").strip())
                        * 1024;
            }
        }
        throw new AssertionError("no " + name + " in /proc/meminfo");
    }
}
