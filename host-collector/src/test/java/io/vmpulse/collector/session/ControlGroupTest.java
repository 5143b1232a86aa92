package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.proto.collector.v1.CollectorConfig;
import io.vmpulse.proto.collector.v1.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading metrics must not grant control: the registry's read group and the control socket's group
 * are configured apart. Checked with a real process of the user nobody whose only extra group is
 * the registry's: it reads the registry, and is refused by the control socket.
 */
@Timeout(120)
class ControlGroupTest {

    @TempDir Path dir;

    @Test
    void a_member_of_the_registry_group_reads_the_registry_but_cannot_use_the_control_socket()
            throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path registry = dir.resolve("run/registry");
        Path control = dir.resolve("run/control.sock");
        CollectorConfig config =
                CollectorConfig.newBuilder()
                        .setRegistry(
                                Registry.newBuilder()
                                        .setPath(registry.toString())
                                        .setSlots(2)
                                        .setGroup("daemon")
                                        .setDirectoryMode("0755"))
                        .setDescriptorDir("")
                        .setControlSocket(control.toString())
                        .build();
        CollectorSettings settings = CollectorSettings.from(config, "test");
        assertEquals(
                null, settings.controlGroup(), "no control group configured: the collector's own");
        Path dump = Tools.cDump(Files.createDirectory(dir.resolve("bin")));
        try (CollectorDaemon d = CollectorDaemon.start(settings)) {
            int daemonGid = (Integer) Files.getAttribute(registry, "unix:gid");
            assertEquals(1, daemonGid, "the registry belongs to its read group");
            assertNotEquals(
                    daemonGid,
                    (int) (Integer) Files.getAttribute(control, "unix:gid"),
                    "the control socket does not belong to the registry's read group");

            Tools.Result read =
                    Tools.run(asNobodyInGroupDaemon(dump.toString(), registry.toString()), 30);
            assertEquals(0, read.exit(), "the registry group may read: " + read.stderr());
            Tools.Result connect =
                    Tools.run(
                            asNobodyInGroupDaemon(
                                    "/usr/bin/python3",
                                    "-c",
                                    "import socket; s = socket.socket(socket.AF_UNIX); s.connect('"
                                            + control
                                            + "'); print('connected')"),
                            30);
            assertTrue(
                    connect.stderr().contains("PermissionError"),
                    connect.stdout() + connect.stderr());
            assertTrue(
                    !connect.stdout().contains("connected"), "the registry group may not control");
        }
    }

    private static List<String> asNobodyInGroupDaemon(String... command) {
        List<String> cmd =
                new java.util.ArrayList<>(
                        List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--groups=daemon"));
        cmd.addAll(List.of(command));
        return cmd;
    }
}
