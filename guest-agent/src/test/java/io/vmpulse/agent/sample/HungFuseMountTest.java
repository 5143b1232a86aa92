package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import io.vmpulse.agent.testing.Prerequisites;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real hung FUSE mount: the test opens /dev/fuse, mounts it, and never answers the kernel's
 * FUSE_INIT, so every statfs of the mount blocks in the kernel until the test closes the device
 * (which aborts the connection). Needs root and /dev/fuse; skipped, saying why, without them.
 */
@Timeout(60)
class HungFuseMountTest {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    private Path mountPoint;
    private int fuseFd = -1;
    private boolean mounted;

    @BeforeEach
    void mountFuseThatNeverAnswers() throws Exception {
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this machine");
        mountPoint = Files.createTempDirectory("vmpulse-hung-fuse");
        try {
            fuseFd = TestLibc.C.open("/dev/fuse", TestLibc.O_RDWR | Libc.O_CLOEXEC);
            TestLibc.C.mount(
                    "vmpulse-hung",
                    mountPoint.toString(),
                    "fuse",
                    new NativeLong(0),
                    "fd=" + fuseFd + ",rootmode=40000,user_id=0,group_id=0");
            mounted = true;
        } catch (LastErrorException e) {
            Prerequisites.require(false, "cannot mount FUSE here (needs root): " + e.getMessage());
        }
    }

    @AfterEach
    void unmount() throws Exception {
        releaseServer();
        if (mounted) {
            TestLibc.C.umount2(mountPoint.toString(), TestLibc.MNT_DETACH);
        }
        if (mountPoint != null) {
            Files.deleteIfExists(mountPoint);
        }
    }

    @Test
    void a_hung_mount_times_out_while_the_rest_of_the_sample_is_read() {
        try (ProcfsSampler sampler = new ProcfsSampler(TIMEOUT)) {
            Sample sample = sample(sampler);

            Filesystem hung = find(sample, mountPoint.toString());
            assertEquals("statfs timed out after 200ms", hung.getError());
            assertEquals("fuse", hung.getFsType());
            assertEquals(0, hung.getSizeBytes());
            Filesystem root = find(sample, "/");
            assertEquals("", root.getError());
            assertTrue(root.getSizeBytes() > 0);
            assertTrue(
                    sample.getCpu().getOnlineCpus() > 0 && sample.getMemory().getTotalBytes() > 0);
        }
    }

    @Test
    void a_mount_still_hung_gets_no_second_call_and_no_second_thread() {
        try (ProcfsSampler sampler = new ProcfsSampler(TIMEOUT)) {
            sample(sampler);
            for (int i = 0; i < 5; i++) {
                Filesystem hung = find(sample(sampler), mountPoint.toString());
                assertTrue(hung.getError().contains("still hung"), hung.getError());
            }
            assertEquals(
                    1, sampler.filesystems().guardThreads(), "one thread, stuck in the first call");
        }
    }

    @Test
    void once_the_server_goes_away_the_stuck_call_returns_and_the_next_call_reports_the_error()
            throws Exception {
        try (ProcfsSampler sampler = new ProcfsSampler(TIMEOUT)) {
            sample(sampler);
            releaseServer();
            Filesystem after;
            do {
                Thread.sleep(50);
                after = find(sample(sampler), mountPoint.toString());
            } while (after.getError().contains("still hung"));

            assertTrue(
                    after.getError().startsWith("statvfs failed: ")
                            && after.getError().contains("not connected"),
                    after.getError());
        }
    }

    private void releaseServer() {
        if (fuseFd >= 0) {
            TestLibc.C.close(fuseFd);
            fuseFd = -1;
        }
    }

    private static Sample sample(ProcfsSampler sampler) {
        return Decoded.sample(sampler);
    }

    private static Filesystem find(Sample sample, String mountPoint) {
        Filesystem fs =
                sample.getFilesystemsList().stream()
                        .filter(f -> f.getMountPoint().equals(mountPoint))
                        .findFirst()
                        .orElse(null);
        assertNotNull(fs, mountPoint + " not reported in " + sample.getFilesystemsList());
        return fs;
    }
}
