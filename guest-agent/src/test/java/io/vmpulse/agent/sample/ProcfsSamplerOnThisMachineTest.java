package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sampler against this machine's /proc and filesystems, each checked by an independent read.
 */
@Timeout(60)
class ProcfsSamplerOnThisMachineTest {

    private final ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);

    @AfterEach
    void close() {
        sampler.close();
    }

    @Test
    void cpu_times_match_an_independent_read_of_proc_stat_within_the_ticks_elapsed()
            throws Exception {
        long start = System.nanoTime();
        Sample sample = sample();
        List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
        long elapsedNs = System.nanoTime() - start;
        long hz = sampler.userHz();
        // Ticks one CPU can accrue between the two reads, plus one for each read's tick rounding.
        long tolerance = elapsedNs * hz / 1_000_000_000L + 2;

        Map<String, long[]> independent = new HashMap<>();
        List<String> cpuIds = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f[0].startsWith("cpu")) {
                long[] v = new long[f.length - 1];
                for (int i = 1; i < f.length; i++) {
                    v[i - 1] = Long.parseLong(f[i]);
                }
                independent.put(f[0], v);
                if (!f[0].equals("cpu")) {
                    cpuIds.add(f[0].substring(3));
                }
            }
        }
        assertEquals(independent.get("cpu").length, sample.getCpu().getColumns());
        assertEquals(cpuIds.size(), sample.getCpu().getOnlineCpus());
        assertEquals(cpuIds.size(), sample.getCpu().getPerCpuCount());
        for (int i = 0; i < cpuIds.size(); i++) {
            PerCpu perCpu = sample.getCpu().getPerCpu(i);
            assertEquals(Integer.parseInt(cpuIds.get(i)), perCpu.getCpu());
            assertClose(
                    "cpu" + perCpu.getCpu(),
                    independent.get("cpu" + perCpu.getCpu()),
                    perCpu.getTimes(),
                    hz,
                    tolerance);
        }
        assertClose(
                "cpu",
                independent.get("cpu"),
                sample.getCpu().getTotal(),
                hz,
                tolerance * cpuIds.size());
        assertEquals(valueOf(lines, "btime"), sample.getCpu().getBootTimeUnixS());
        assertTrue(valueOf(lines, "ctxt") >= sample.getCpu().getContextSwitches());
        assertTrue(sample.getCpu().getContextSwitches() > 0);
        assertTrue(valueOf(lines, "processes") >= sample.getCpu().getForks());
        assertTrue(
                sample.getCpu().getProcsRunning() >= 1, "the sampling thread itself was running");
    }

    @Test
    void memtotal_and_fixed_sizes_equal_an_independent_read_of_meminfo() throws Exception {
        Sample sample = sample();
        Map<String, Long> kb = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            String[] f = line.split(":\\s+|\\s+");
            kb.put(f[0], Long.parseLong(f[1]));
        }
        assertEquals(kb.get("MemTotal") * 1024, sample.getMemory().getTotalBytes());
        assertEquals(kb.get("SwapTotal") * 1024, sample.getMemory().getSwapTotalBytes());
        assertEquals(kb.get("Hugepagesize") * 1024, sample.getMemory().getHugepageSizeBytes());
        assertEquals(kb.containsKey("MemAvailable"), !sample.getMemory().getAvailableDerived());
        assertTrue(sample.getMemory().getFreeBytes() > 0);
        assertTrue(sample.getMemory().getAvailableBytes() > 0);
    }

    @Test
    void sizes_and_inode_totals_equal_what_df_reports_for_every_filesystem() throws Exception {
        Sample sample = sample();
        Filesystem root = find(sample, "/");
        assertNotNull(root, "/ is reported");
        for (Filesystem fs : sample.getFilesystemsList()) {
            assertEquals("", fs.getError(), fs.getMountPoint());
            String[] df =
                    Commands.run("df", "-B1", "--output=size,itotal", fs.getMountPoint())
                            .split("\n")[1]
                            .trim()
                            .split("\\s+");
            assertEquals(Long.parseLong(df[0]), fs.getSizeBytes(), "size of " + fs.getMountPoint());
            long inodes = df[1].equals("-") ? 0 : Long.parseLong(df[1]);
            assertEquals(inodes, fs.getInodesTotal(), "inodes of " + fs.getMountPoint());
            assertTrue(
                    fs.getAvailableBytes() <= fs.getFreeBytes()
                            && fs.getFreeBytes() <= fs.getSizeBytes(),
                    fs.toString());
        }
        String[] stat = Commands.run("stat", "-f", "-c", "%S %b", "/").split(" ");
        assertEquals(
                Long.parseLong(stat[0]) * Long.parseLong(stat[1]),
                root.getSizeBytes(),
                "f_frsize * f_blocks");
    }

    @Test
    void reported_filesystems_are_real_distinct_and_flagged_read_only_as_mounted()
            throws Exception {
        Sample sample = sample();
        Map<String, String[]> lastMountOf = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            lastMountOf.put(f[1].replace("\\040", " "), f);
        }
        Set<String> devices = new HashSet<>();
        for (Filesystem fs : sample.getFilesystemsList()) {
            String[] mount = lastMountOf.get(fs.getMountPoint());
            assertNotNull(mount, fs.getMountPoint());
            assertEquals(mount[2], fs.getFsType());
            assertFalse(
                    Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "autofs")
                            .contains(fs.getFsType()));
            assertEquals(
                    List.of(mount[3].split(",")).contains("ro"),
                    fs.getReadOnly(),
                    fs.getMountPoint());
            assertTrue(
                    devices.add(Commands.run("stat", "-c", "%d", fs.getMountPoint())),
                    "two reported filesystems share the device of " + fs.getMountPoint());
        }
    }

    @Test
    void identity_matches_boot_id_uname_and_getconf() throws Exception {
        GuestIdentity identity = sampler.identity();

        assertEquals(
                Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip(),
                identity.bootId());
        assertTrue(
                identity.bootId()
                        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
        assertEquals(Commands.run("uname", "-r"), identity.kernelRelease());
        assertEquals(Long.parseLong(Commands.run("getconf", "CLK_TCK")), identity.userHz());
    }

    @Test
    void timestamps_are_the_wall_and_monotonic_clocks_of_the_moment_of_sampling() {
        long wallBefore = System.currentTimeMillis() * 1_000_000L;
        long monoBefore = System.nanoTime();
        Sample sample = sample();
        long monoAfter = System.nanoTime();
        long wallAfter = (System.currentTimeMillis() + 1) * 1_000_000L;

        assertTrue(sample.getMonotonicNs() >= monoBefore && sample.getMonotonicNs() <= monoAfter);
        assertTrue(
                sample.getWallTimeUnixNs() >= wallBefore
                        && sample.getWallTimeUnixNs() <= wallAfter);
    }

    private Sample sample() {
        return Decoded.sample(sampler);
    }

    private static Filesystem find(Sample sample, String mountPoint) {
        return sample.getFilesystemsList().stream()
                .filter(f -> f.getMountPoint().equals(mountPoint))
                .findFirst()
                .orElse(null);
    }

    private static long valueOf(List<String> lines, String key) {
        return lines.stream()
                .filter(l -> l.startsWith(key + " "))
                .mapToLong(l -> Long.parseLong(l.split(" ")[1]))
                .findFirst()
                .orElseThrow();
    }

    private static void assertClose(
            String line, long[] ticks, CpuTimes t, long hz, long toleranceTicks) {
        long[] ns = {
            t.getUserNs(),
            t.getNiceNs(),
            t.getSystemNs(),
            t.getIdleNs(),
            t.getIowaitNs(),
            t.getIrqNs(),
            t.getSoftirqNs(),
            t.getStealNs(),
            t.getGuestNs(),
            t.getGuestNiceNs()
        };
        for (int mode = 0; mode < ns.length; mode++) {
            long expected = mode < ticks.length ? ticks[mode] * (1_000_000_000L / hz) : 0;
            long diff = Math.abs(expected - ns[mode]);
            assertTrue(
                    diff <= toleranceTicks * (1_000_000_000L / hz),
                    line
                            + " mode "
                            + mode
                            + ": independent "
                            + expected
                            + " ns, sampler "
                            + ns[mode]
                            + " ns");
        }
    }
}
