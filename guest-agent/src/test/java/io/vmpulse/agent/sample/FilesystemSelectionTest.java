package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FilesystemSelectionTest {

    private final List<Mount> mounts = parse(Fixtures.bytes("mountinfo-mixed"));
    private final List<FilesystemSelection.Choice> chosen = FilesystemSelection.choose(mounts);
    private final Map<String, FilesystemSelection.Choice> byMountPoint =
            chosen.stream()
                    .collect(Collectors.toMap(c -> c.mount().mountPoint(), Function.identity()));

    @Test
    void octal_escapes_in_paths_are_decoded() {
        Mount disk = mounts.get(6);
        assertEquals("/mnt/my disk", disk.mountPoint());
        assertArrayEquals("/mnt/my disk".getBytes(StandardCharsets.UTF_8), disk.mountPointBytes());
        assertEquals("/mnt/ro\\img", mounts.get(12).mountPoint());
        assertEquals("/etc/auto.net", mounts.get(9).source());
    }

    @Test
    void mountinfo_fields_are_read_across_optional_fields() {
        Mount home = mounts.get(10);
        assertEquals(32, home.mountId());
        assertEquals(22, home.parentId());
        assertEquals(0, home.major());
        assertEquals(41, home.minor());
        assertEquals("nfs4", home.fsType());
        assertEquals("server:/export/home", home.source());
        assertFalse(home.readOnly());
        assertTrue(mounts.get(12).readOnly(), "per-mount option ro");
    }

    @Test
    void reports_real_filesystems_once_each_in_mount_order() {
        assertEquals(
                List.of(
                        "/",
                        "/mnt/my disk",
                        "/home",
                        "/home/scratch",
                        "/mnt/ro\\img",
                        "/tmp",
                        "/media/sshfs"),
                chosen.stream().map(c -> c.mount().mountPoint()).collect(Collectors.toList()));
    }

    @Test
    void pseudo_filesystems_and_autofs_are_never_chosen() {
        for (FilesystemSelection.Choice c : chosen) {
            assertFalse(
                    FilesystemSelection.SKIPPED_TYPES.contains(c.mount().fsType()),
                    c.mount().toString());
        }
        assertFalse(byMountPoint.containsKey("/net"), "autofs");
        assertFalse(byMountPoint.containsKey("/snap/core"), "squashfs image");
    }

    @Test
    void of_bind_duplicates_the_mount_of_the_whole_filesystem_is_kept() {
        assertFalse(
                byMountPoint.containsKey("/data"), "bind of /var/lib/data from the root device");
        assertFalse(byMountPoint.containsKey("/srv/bound"), "bind of /srv from /dev/vdb1");
        assertEquals("/", byMountPoint.get("/mnt/my disk").mount().root());
    }

    @Test
    void a_covered_mount_and_what_is_mounted_below_it_are_hidden() {
        assertEquals(
                36,
                byMountPoint.get("/tmp").mount().mountId(),
                "the later /tmp covers the earlier");
        assertFalse(byMountPoint.containsKey("/tmp/inner"), "mounted on the covered /tmp");
    }

    @Test
    void network_and_fuse_mounts_and_mounts_below_them_need_the_timeout() {
        assertTrue(byMountPoint.get("/home").needsTimeout(), "nfs4");
        assertTrue(byMountPoint.get("/home/scratch").needsTimeout(), "ext4 reached through nfs4");
        assertTrue(byMountPoint.get("/media/sshfs").needsTimeout(), "fuse.sshfs");
        assertFalse(byMountPoint.get("/").needsTimeout());
        assertFalse(byMountPoint.get("/tmp").needsTimeout());
        assertFalse(byMountPoint.get("/mnt/ro\\img").needsTimeout());
    }

    @Test
    void overlay_is_reported_only_as_the_root() {
        List<FilesystemSelection.Choice> c =
                FilesystemSelection.choose(
                        parse(
                                ascii(
                                        "1 0 0:30 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
                                                + "2 1 0:31 / /var/lib/containers/x/merged rw - overlay overlay rw,lowerdir=/a\n")));

        assertEquals(1, c.size());
        assertEquals("/", c.get(0).mount().mountPoint());
        assertTrue(
                c.get(0).needsTimeout(), "overlay passes statfs to an upper layer of unknown kind");
    }

    @Test
    void no_more_than_the_cap_are_reported() {
        StringBuilder s = new StringBuilder("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
        for (int i = 0; i < 100; i++) {
            s.append(100 + i)
                    .append(" 1 0:")
                    .append(100 + i)
                    .append(" / /run/t")
                    .append(i)
                    .append(" rw - tmpfs tmpfs rw\n");
        }
        List<FilesystemSelection.Choice> c = FilesystemSelection.choose(parse(ascii(s.toString())));

        assertEquals(FilesystemSelection.MAX_FILESYSTEMS, c.size());
        assertEquals("/", c.get(0).mount().mountPoint());
    }

    @Test
    void a_line_without_the_separator_is_rejected_naming_the_line() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parse(ascii("1 0 8:1 / / rw ext4 /dev/sda1 rw\n")));

        assertTrue(e.getMessage().contains("\"1 0 8:1 / / rw ext4 /dev/sda1 rw\""), e.getMessage());
    }

    private static List<Mount> parse(byte[] text) {
        return MountinfoParser.parse("fixture", text);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
