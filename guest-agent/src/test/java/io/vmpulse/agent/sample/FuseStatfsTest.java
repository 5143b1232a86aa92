package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.LastErrorException;
import io.vmpulse.agent.testing.Prerequisites;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real FUSE mount whose server reports f_bsize 64 KiB and f_frsize 512, as FUSE, NFS and virtiofs
 * may: sizes must be counted in f_frsize units. The statfs goes through the timeout guard (FUSE can
 * hang) and, answered in time, gives a reading. Needs root and /dev/fuse.
 */
@Timeout(60)
class FuseStatfsTest {

    private static final long BLOCKS = 1000;
    private static final long BFREE = 600;
    private static final long BAVAIL = 500;
    private static final long FILES = 77;
    private static final long FFREE = 33;
    private static final int BSIZE = 64 << 10;
    private static final int FRSIZE = 512;

    private Path dir;
    private StatfsFuseServer server;

    @BeforeEach
    void mount() throws Exception {
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this machine");
        dir = Files.createTempDirectory("vmpulse-fuse-statfs");
        try {
            server =
                    new StatfsFuseServer(
                            dir, new long[] {BLOCKS, BFREE, BAVAIL, FILES, FFREE}, BSIZE, FRSIZE);
        } catch (LastErrorException e) {
            Prerequisites.require(false, "cannot mount FUSE here (needs root): " + e.getMessage());
        }
    }

    @AfterEach
    void unmount() throws Exception {
        if (server != null) {
            server.close();
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void block_counts_are_multiplied_by_f_frsize_not_f_bsize() throws Exception {
        String[] witness = Commands.run("stat", "-f", "-c", "%S %s %b", dir.toString()).split(" ");
        assertEquals(FRSIZE, Long.parseLong(witness[0]), "stat -f: fundamental block size");
        assertEquals(BSIZE, Long.parseLong(witness[1]), "stat -f: block size");

        Filesystem fs = sample();
        assertEquals("", fs.getError());
        assertEquals("fuse", fs.getFsType());
        assertEquals(BLOCKS * FRSIZE, fs.getSizeBytes());
        assertEquals(Long.parseLong(witness[2]) * Long.parseLong(witness[0]), fs.getSizeBytes());
        assertEquals(BFREE * FRSIZE, fs.getFreeBytes());
        assertEquals(BAVAIL * FRSIZE, fs.getAvailableBytes());
        assertEquals(FILES, fs.getInodesTotal());
        assertEquals(FFREE, fs.getInodesFree());
    }

    @Test
    void a_fuse_mount_that_answers_is_read_again_on_every_sample() {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            for (int i = 0; i < 3; i++) {
                Filesystem fs = find(sample(sampler));
                assertEquals("", fs.getError(), "sample " + i);
                assertEquals(BLOCKS * FRSIZE, fs.getSizeBytes());
            }
        }
    }

    private Filesystem sample() {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            return find(sample(sampler));
        }
    }

    private static Sample sample(ProcfsSampler sampler) {
        return Decoded.sample(sampler);
    }

    private Filesystem find(Sample sample) {
        return sample.getFilesystemsList().stream()
                .filter(f -> f.getMountPoint().equals(dir.toString()))
                .findFirst()
                .orElseThrow(
                        () ->
                                new AssertionError(
                                        dir + " not reported in " + sample.getFilesystemsList()));
    }
}
