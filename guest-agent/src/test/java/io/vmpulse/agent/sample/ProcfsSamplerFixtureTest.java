package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The whole sampler over a /proc made of fixture files: what reaches the message. */
@Timeout(30)
class ProcfsSamplerFixtureTest {

    @TempDir Path proc;

    @Test
    void ticks_become_nanoseconds_and_guest_time_is_not_added_to_user_time() throws Exception {
        Sample sample = sampleOf("stat-10-columns-cpu2-offline", "meminfo-linux-6.1");
        long nsPerTick = 1_000_000_000L / userHz();

        CpuTimes total = sample.getCpu().getTotal();
        assertEquals(
                79800 * nsPerTick,
                total.getUserNs(),
                "user as printed, guest (6000) already inside");
        assertEquals(6000 * nsPerTick, total.getGuestNs());
        assertEquals(120 * nsPerTick, total.getNiceNs());
        assertEquals(60 * nsPerTick, total.getGuestNiceNs());
        assertEquals(10, sample.getCpu().getColumns());
        assertEquals(3, sample.getCpu().getOnlineCpus());
        assertEquals(
                List.of(0, 1, 3),
                sample.getCpu().getPerCpuList().stream()
                        .map(c -> c.getCpu())
                        .collect(Collectors.toList()));
        assertEquals(20000 * nsPerTick, sample.getCpu().getPerCpu(2).getTimes().getUserNs());
        assertEquals(17455326, sample.getCpu().getContextSwitches());
        assertEquals(61234, sample.getCpu().getForks());
        assertEquals(2, sample.getCpu().getProcsRunning());
        assertEquals(1, sample.getCpu().getProcsBlocked());
        assertEquals(1763824410, sample.getCpu().getBootTimeUnixS());
    }

    @Test
    void missing_memavailable_reaches_the_message_derived_and_flagged() throws Exception {
        Sample sample =
                sampleOf("stat-7-columns-linux-2.6.0", "meminfo-linux-2.6.32-no-memavailable");

        assertTrue(sample.getMemory().getAvailableDerived());
        assertEquals(
                (112636L + 648348 + 595072 + 176004) * 1024,
                sample.getMemory().getAvailableBytes());
        assertEquals(1922488L * 1024, sample.getMemory().getTotalBytes());
        assertEquals(176004L * 1024, sample.getMemory().getSreclaimableBytes());
        assertEquals(144L * 1024, sample.getMemory().getDirtyBytes());
        assertEquals(0, sample.getCpu().getTotal().getStealNs(), "7 columns: no steal");
    }

    @Test
    void a_filesystem_that_cannot_be_stated_is_reported_with_the_reason_and_zero_values()
            throws Exception {
        Sample sample = sampleOf("stat-7-columns-linux-2.6.0", "meminfo-linux-6.1");

        Filesystem root = sample.getFilesystems(0);
        assertEquals("/", root.getMountPoint());
        assertEquals("", root.getError());
        assertTrue(root.getSizeBytes() > 0);
        Filesystem gone = sample.getFilesystems(1);
        assertEquals("/vmpulse-no-such-mount point", gone.getMountPoint());
        assertTrue(
                gone.getError().startsWith("statvfs failed: ")
                        && gone.getError().contains("No such file"),
                gone.getError());
        assertEquals(0, gone.getSizeBytes());
        assertTrue(gone.getReadOnly(), "ro from the mount options even without a reading");
    }

    @Test
    void long_strings_are_cut_without_splitting_a_surrogate_pair() {
        String longPath =
                "/" + "a".repeat(ProcfsSampler.MAX_STRING_CHARS - 2) + "\uD83D\uDE00" + "tail";
        String cut = ProcfsSampler.bounded(longPath);
        assertEquals(
                longPath.substring(0, ProcfsSampler.MAX_STRING_CHARS - 1),
                cut,
                "the pair would straddle the cut");
        assertEquals(
                "x".repeat(ProcfsSampler.MAX_STRING_CHARS),
                ProcfsSampler.bounded("x".repeat(1000)));
    }

    private Sample sampleOf(String stat, String meminfo) throws Exception {
        Files.write(proc.resolve("stat"), Fixtures.bytes(stat));
        Files.write(proc.resolve("meminfo"), Fixtures.bytes(meminfo));
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(
                proc.resolve("self/mountinfo"),
                "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
                        + "2 1 254:99 / /vmpulse-no-such-mount\\040point ro - ext4 /dev/vdz rw\n",
                StandardCharsets.US_ASCII);
        try (ProcfsSampler sampler = new ProcfsSampler(proc, Duration.ofSeconds(1))) {
            return Decoded.sample(sampler);
        }
    }

    private static long userHz() throws Exception {
        return Long.parseLong(Commands.run("getconf", "CLK_TCK"));
    }
}
