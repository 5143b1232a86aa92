package io.vmpulse.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.publish.RegistryOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter as a real process, as an operator runs it: flags, exit codes, one-line errors,
 * SIGTERM. It runs from the test class path (tests run before the jar is packaged); the launcher
 * adds only JVM flags.
 */
@Timeout(120)
class ExporterCliTest {

    private static List<String> command(String... args) {
        return command(List.of(), args);
    }

    private static List<String> command(List<String> jvmFlags, String... args) {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-XX:+UseSerialGC",
                                "-Xmx128m"));
        cmd.addAll(jvmFlags);
        cmd.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        ExporterMain.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @TempDir Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) throws Exception {
        List<String> cmd = command(args);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exited: " + cmd);
        return new Run(
                p.exitValue(),
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void default_registry_is_the_collectors_default() {
        assertEquals(RegistryOptions.DEFAULT_PATH, ExporterMain.DEFAULT_REGISTRY);
    }

    @Test
    void help_and_version_exit_0() throws Exception {
        Run help = run("--help");
        assertEquals(0, help.exit(), help.err());
        for (String flag :
                List.of(
                        "--registry",
                        "--web.listen-address",
                        "--web.config.file",
                        "--collector.stale-after",
                        "--vm.labels-allowlist")) {
            assertTrue(help.out().contains(flag), flag + " in --help");
        }
        assertTrue(
                help.out().contains(ExporterMain.DEFAULT_REGISTRY.toString())
                        && help.out().contains(":" + ExporterMain.DEFAULT_PORT));
        Run version = run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("vmpulse-exporter "), version.out());
    }

    @Test
    void bad_usage_and_bad_configuration_exit_2_with_one_line() throws Exception {
        Path badYaml = dir.resolve("web.yml");
        Files.writeString(badYaml, "basic_auth_users:\n  u: not-a-hash\n");
        for (String[] args :
                List.of(
                        new String[] {"--no-such-flag"},
                        new String[] {"--web.listen-address", "localhost"},
                        new String[] {"--web.listen-address", ":99999"},
                        new String[] {"--collector.stale-after", "soon"},
                        new String[] {"--web.config.file", badYaml.toString()},
                        new String[] {
                            "--web.config.file", dir.resolve("missing.yml").toString()
                        })) {
            Run r = run(args);
            assertEquals(2, r.exit(), List.of(args) + ": " + r.err());
            assertEquals(
                    1,
                    r.err().strip().lines().count(),
                    List.of(args) + ": one line, not " + r.err());
            assertTrue(r.err().startsWith("vmpulse-exporter: "), r.err());
        }
    }

    @Test
    void an_address_in_use_exits_1_with_one_line() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run r =
                    run(
                            "--registry",
                            dir.resolve("registry").toString(),
                            "--web.listen-address",
                            "127.0.0.1:" + taken.getLocalPort());
            assertEquals(1, r.exit(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(
                    r.err().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()),
                    r.err());
        }
    }

    /** Starts the exporter and returns the /metrics URL it prints. */
    private static String serving(Process p) throws Exception {
        // A read of a pipe cannot be interrupted: read on another thread, give up after a minute.
        java.io.BufferedReader out =
                new java.io.BufferedReader(
                        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line =
                java.util.concurrent.CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return out.readLine();
                                    } catch (java.io.IOException e) {
                                        return "read failed: " + e;
                                    }
                                })
                        .get(60, TimeUnit.SECONDS);
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("serving (http://127\\.0\\.0\\.1:\\d+/metrics)")
                        .matcher(String.valueOf(line));
        assertTrue(m.find(), line);
        return m.group(1);
    }

    @Test
    void a_scrape_many_times_larger_than_the_direct_memory_limit_is_served_whole()
            throws Exception {
        // ~8 MiB of text at 1,000 VMs, through a JVM allowed 2 MiB of direct memory: the response
        // must reach the socket in small writes (one write would need a direct buffer as large).
        try (io.vmpulse.exporter.testing.TestRegistry reg =
                new io.vmpulse.exporter.testing.TestRegistry(dir.resolve("registry"), 1000)) {
            long now = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                long seed = i;
                reg.publish(
                        "vm-" + i,
                        r ->
                                io.vmpulse.exporter.testing.Records.full(
                                        r,
                                        seed,
                                        2,
                                        3,
                                        now,
                                        System.currentTimeMillis() * 1_000_000L));
            }
            Process p =
                    new ProcessBuilder(
                                    command(
                                            List.of("-XX:MaxDirectMemorySize=2m"),
                                            "--registry",
                                            reg.path().toString(),
                                            "--web.listen-address",
                                            "127.0.0.1:0"))
                            .redirectErrorStream(true)
                            .start();
            try {
                String url = serving(p);
                HttpResponse<byte[]> r =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(url))
                                                .timeout(Duration.ofSeconds(60))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertTrue(r.body().length > 4 << 20, r.body().length + " bytes");
                String text = new String(r.body(), StandardCharsets.UTF_8);
                assertTrue(
                        text.contains("vmpulse_vm_info{") && text.contains("vm_id=\"vm-999\""),
                        "the whole page, to the last VM");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void it_serves_until_sigterm_then_exits_143() throws Exception {
        Process p =
                new ProcessBuilder(
                                command(
                                        "--registry",
                                        dir.resolve("registry").toString(),
                                        "--web.listen-address",
                                        "127.0.0.1:0"))
                        .redirectErrorStream(true)
                        .start();
        try {
            String url = serving(p);
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .timeout(Duration.ofSeconds(20))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(
                    r.body().contains("vmpulse_registry_up 0.0"),
                    "no registry yet, and it says so");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(
                    143,
                    p.exitValue(),
                    "the JVM's exit status after SIGTERM, which the unit lists in SuccessExitStatus");
        } finally {
            p.destroyForcibly();
        }
    }
}
