package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import io.vmpulse.agent.testing.Prerequisites;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * mountinfo is re-read only when the kernel flags a change: a real tmpfs mounted and unmounted by
 * the test after the sampler opened it must appear and disappear. Needs root.
 */
@Timeout(30)
class MountTableChangesTest {

    private final ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
    private Path dir;
    private boolean mounted;

    @BeforeEach
    void makeDir() throws Exception {
        dir = Files.createTempDirectory("vmpulse-tmpfs");
    }

    @AfterEach
    void cleanUp() throws Exception {
        sampler.close();
        if (mounted) {
            TestLibc.C.umount2(dir.toString(), TestLibc.MNT_DETACH);
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void a_filesystem_mounted_after_the_first_sample_is_reported_and_dropped_when_unmounted() {
        assertFalse(find(sample()).isPresent());

        mountTmpfs("size=1m,nr_inodes=1000,mode=700");
        Filesystem fs =
                find(sample())
                        .orElseThrow(
                                () -> new AssertionError(dir + " not reported after mounting"));
        assertEquals("tmpfs", fs.getFsType());
        assertEquals("vmpulse-test", fs.getDevice());
        assertEquals(1 << 20, fs.getSizeBytes(), "size=1m");
        assertEquals(1000, fs.getInodesTotal(), "nr_inodes=1000");
        assertFalse(fs.getReadOnly());

        TestLibc.C.umount2(dir.toString(), 0);
        mounted = false;
        assertFalse(find(sample()).isPresent(), dir + " still reported after unmounting");
    }

    @Test
    void a_read_only_mount_is_flagged() {
        mountTmpfs("size=1m");
        TestLibc.C.mount(
                "vmpulse-test",
                dir.toString(),
                null,
                new NativeLong(MS_REMOUNT | MS_RDONLY),
                "size=1m");

        assertTrue(find(sample()).orElseThrow().getReadOnly());
    }

    private static final long MS_RDONLY = 1;
    private static final long MS_REMOUNT = 32;

    private void mountTmpfs(String options) {
        try {
            TestLibc.C.mount("vmpulse-test", dir.toString(), "tmpfs", new NativeLong(0), options);
            mounted = true;
        } catch (LastErrorException e) {
            Prerequisites.require(false, "cannot mount tmpfs here (needs root): " + e.getMessage());
        }
    }

    private Sample sample() {
        return Decoded.sample(sampler);
    }

    private Optional<Filesystem> find(Sample sample) {
        return sample.getFilesystemsList().stream()
                .filter(f -> f.getMountPoint().equals(dir.toString()))
                .findFirst();
    }
}
