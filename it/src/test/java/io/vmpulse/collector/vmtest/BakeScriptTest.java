package io.vmpulse.collector.vmtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code images/bake.sh} on real ext4 images made here with mkfs.ext4 and on the image of build.sh:
 * refusals leave the file byte for byte as it was, a bake leaves a file system that e2fsck finds
 * clean with the agent in it, and a second bake changes nothing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BakeScriptTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @TempDir Path dir;

    private record Result(int exit, String output) {}

    private static Result bake(Path image) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(REPO.resolve("images/bake.sh").toString(), image.toString())
                        .redirectErrorStream(true)
                        .start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "bake.sh finishes");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private Path ext4(String name, int mib) throws Exception {
        Path image = dir.resolve(name);
        Exec.run(List.of("truncate", "-s", mib + "M", image.toString()), 10);
        Exec.run(List.of("mkfs.ext4", "-q", "-F", image.toString()), 30);
        return image;
    }

    private static byte[] digest(Path f) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
    }

    private static String freeBlocksAndInodes(Path image) throws Exception {
        return Exec.run(List.of("dumpe2fs", "-h", image.toString()), 30)
                .lines()
                .filter(l -> l.startsWith("Free blocks:") || l.startsWith("Free inodes:"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static String debugfs(Path image, String command) throws Exception {
        return Exec.run(List.of("debugfs", "-R", command, image.toString()), 30);
    }

    private static void assertClean(Path image) throws Exception {
        Exec.run(List.of("e2fsck", "-fn", image.toString()), 60); // exit 0: no errors found
    }

    @Test
    void a_file_that_is_not_ext4_is_refused_and_left_as_it_was() throws Exception {
        Path junk = dir.resolve("junk.img");
        byte[] bytes = new byte[4 << 20];
        ThreadLocalRandom.current().nextBytes(bytes);
        Files.write(junk, bytes);
        Result r = bake(junk);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("not an ext2/ext3/ext4 file system"), r.output());
        assertArrayEquals(bytes, Files.readAllBytes(junk));
    }

    @Test
    void an_image_too_small_for_the_agent_is_refused_and_left_as_it_was() throws Exception {
        Path small = ext4("small.ext4", 16);
        byte[] before = digest(small);
        Result r = bake(small);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("too small: the agent needs"), r.output());
        assertArrayEquals(before, digest(small));
    }

    @Test
    void a_bare_ext4_image_gets_the_agent_and_a_second_bake_changes_nothing() throws Exception {
        Path image = ext4("bare.ext4", 96);
        Result first = bake(image);
        assertEquals(0, first.exit(), first.output());
        assertClean(image);
        assertTrue(debugfs(image, "stat /opt/vmpulse/runtime/bin/java").contains("Type: regular"));
        assertTrue(debugfs(image, "stat /opt/vmpulse/guest-agent.jar").contains("Type: regular"));
        assertTrue(debugfs(image, "cat /etc/default/vmpulse-agent").contains("VMPULSE_COLLECTOR="));
        String afterFirst = freeBlocksAndInodes(image);

        Result second = bake(image);
        assertEquals(0, second.exit(), second.output());
        assertClean(image);
        assertEquals(
                afterFirst,
                freeBlocksAndInodes(image),
                "the second bake replaced the files in the same room");
    }

    @Test
    void an_image_with_systemd_and_openrc_gets_the_agent_enabled_in_both() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("usr/lib/systemd"));
        Files.createDirectories(tree.resolve("sbin"));
        Files.createDirectories(tree.resolve("etc/default"));
        Files.writeString(tree.resolve("usr/lib/systemd/systemd"), "");
        Files.writeString(tree.resolve("sbin/openrc-run"), "");
        Files.writeString(
                tree.resolve("etc/default/vmpulse-agent"), "VMPULSE_COLLECTOR=vsock://2:9999\n");
        Path image = dir.resolve("distro.ext4");
        Exec.run(
                List.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), image.toString(), "96M"),
                30);

        Result r = bake(image);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("started by: systemd OpenRC"), r.output());
        assertClean(image);
        assertTrue(
                debugfs(image, "cat /etc/systemd/system/vmpulse-agent.service")
                        .contains("Restart=always"));
        assertTrue(
                debugfs(
                                image,
                                "stat /etc/systemd/system/multi-user.target.wants/vmpulse-agent.service")
                        .contains("Type: symlink"),
                "the unit is enabled");
        assertTrue(debugfs(image, "cat /etc/init.d/vmpulse-agent").contains("supervise-daemon"));
        assertTrue(
                debugfs(image, "stat /etc/runlevels/default/vmpulse-agent")
                        .contains("Type: symlink"),
                "the OpenRC service is in the default runlevel");
        assertTrue(
                debugfs(image, "cat /etc/default/vmpulse-agent")
                        .contains("VMPULSE_COLLECTOR=vsock://2:9999"),
                "the user's settings are kept");
    }

    @Test
    void the_built_image_is_baked_again_without_a_second_inittab_line() throws Exception {
        Path image = dir.resolve("rootfs.ext4");
        Files.copy(ImageBuild.ensureBuilt(REPO).resolve("rootfs.ext4"), image);
        Result r = bake(image);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("busybox-init"), r.output());
        assertClean(image);
        String inittab = debugfs(image, "cat /etc/inittab");
        assertEquals(
                1,
                inittab.lines().filter(l -> l.contains("vmpulse-agent-service")).count(),
                inittab);
    }
}
