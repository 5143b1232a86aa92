package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped systemd unit against the VMM socket layouts the docs describe. systemd is not PID 1
 * here, so the unit cannot be started: {@code systemd-analyze verify} checks that it parses, and
 * its sandbox is evaluated from its settings by the rules of systemd.exec(5), where the deepest
 * path named by any setting decides.
 */
@Timeout(60)
class SystemdUnitTest {

    private static final Path UNIT =
            Tools.ROOT.resolve("host-collector/src/main/dist/vmpulse-collector.service");

    @Test
    void systemd_accepts_the_unit_without_a_warning() throws Exception {
        Tools.Result r = Tools.run(List.of("systemd-analyze", "verify", UNIT.toString()), 30);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("", r.stderr() + r.stdout());
    }

    @Test
    void the_collector_may_bind_its_ingest_socket_next_to_every_documented_vmm_socket()
            throws Exception {
        Map<Path, Boolean> sandbox = sandbox(Files.readAllLines(UNIT));
        List<Path> sockets = documentedIngestSockets();
        assertEquals(
                4,
                sockets.size(),
                "Firecracker, Cloud Hypervisor, libkrun and the jailer layout: " + sockets);
        for (Path socket : sockets) {
            assertTrue(
                    writable(sandbox, socket.getParent()),
                    "the unit's sandbox keeps "
                            + socket.getParent()
                            + " read-only or private, so the collector cannot bind "
                            + socket);
        }
    }

    /**
     * Listen paths of the JSON examples in vm-descriptors.md, and the jailer chroot in
     * operations.md.
     */
    private static List<Path> documentedIngestSockets() throws Exception {
        String descriptors = Files.readString(Tools.ROOT.resolve("docs/vm-descriptors.md"));
        String operations = Files.readString(Tools.ROOT.resolve("docs/operations.md"));
        List<Path> out = new ArrayList<>();
        Matcher m =
                Pattern.compile("\"uds_path\": \"([^\"]+)\", \"port\": (\\d+)")
                        .matcher(descriptors);
        while (m.find()) {
            out.add(Path.of(m.group(1) + "_" + m.group(2)));
        }
        m = Pattern.compile("\"libkrun_socket\": \"([^\"]+)\"").matcher(descriptors);
        while (m.find()) {
            out.add(Path.of(m.group(1)));
        }
        m = Pattern.compile("`(/srv/jailer/[^`]+)`").matcher(operations);
        while (m.find()) {
            out.add(Path.of(m.group(1)));
        }
        return out;
    }

    /**
     * Path → whether the service can write there and the VMM sees the same file (false: read-only,
     * hidden or private).
     */
    private static Map<Path, Boolean> sandbox(List<String> unit) {
        Map<Path, Boolean> rules = new LinkedHashMap<>();
        for (String line : unit) {
            String[] kv = line.split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            String value = kv[1].trim();
            switch (kv[0].trim()) {
                case "ProtectSystem" -> {
                    switch (value) {
                        case "strict" -> put(rules, false, "/").put(Path.of("/dev"), true);
                        case "full" -> put(rules, false, "/usr", "/boot", "/efi", "/etc");
                        case "yes", "true" -> put(rules, false, "/usr", "/boot", "/efi");
                        default -> {}
                    }
                }
                case "ProtectHome" -> {
                    if (!value.equals("no") && !value.equals("false")) {
                        put(rules, false, "/home", "/root", "/run/user");
                    }
                }
                case "PrivateTmp" -> {
                    if (value.equals("yes") || value.equals("true")) {
                        put(rules, false, "/tmp", "/var/tmp");
                    }
                }
                case "ReadWritePaths" -> put(rules, true, paths(value));
                case "ReadOnlyPaths", "InaccessiblePaths" -> put(rules, false, paths(value));
                default -> {}
            }
        }
        return rules;
    }

    private static String[] paths(String value) {
        // A leading "-" (ignore if missing) or "+" (relative to the root directory) is not part of
        // the path.
        return java.util.Arrays.stream(value.split("\\s+"))
                .map(p -> p.replaceFirst("^[-+]+", ""))
                .toArray(String[]::new);
    }

    private static Map<Path, Boolean> put(
            Map<Path, Boolean> rules, boolean writable, String... paths) {
        for (String p : paths) {
            rules.put(Path.of(p), writable);
        }
        return rules;
    }

    private static boolean writable(Map<Path, Boolean> rules, Path dir) {
        Path deepest = null;
        for (Path p : rules.keySet()) {
            if (dir.startsWith(p)
                    && (deepest == null || p.getNameCount() > deepest.getNameCount())) {
                deepest = p;
            }
        }
        return deepest == null || rules.get(deepest);
    }
}
