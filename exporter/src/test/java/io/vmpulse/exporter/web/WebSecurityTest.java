package io.vmpulse.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.vmpulse.exporter.cli.Exporter;
import io.vmpulse.exporter.metrics.ExportOptions;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.TestRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and basic auth from a node_exporter-format web config, for real on loopback: a certificate
 * made by openssl, bcrypt hashes in the $2y$ form htpasswd writes.
 */
@Timeout(120)
class WebSecurityTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @TempDir Path dir;
    private Path cert;
    private Path key;

    @BeforeEach
    void certificate() throws Exception {
        cert = dir.resolve("server.crt");
        key = dir.resolve("server.key");
        run(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost");
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(
                p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                String.join(" ", cmd) + ": " + out);
    }

    private Path config(String yaml) throws IOException {
        Path f = dir.resolve("web.yml");
        Files.writeString(f, yaml);
        return f;
    }

    private static String hash(String password) {
        return new String(
                BCrypt.with(BCrypt.Version.VERSION_2Y).hash(10, password.toCharArray()),
                StandardCharsets.US_ASCII);
    }

    private HttpClient trusting(String... protocols) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry(
                    "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient.Builder b =
                HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5));
        if (protocols.length > 0) {
            SSLParameters p = new SSLParameters();
            p.setProtocols(protocols);
            b.sslParameters(p);
        }
        return b.build();
    }

    private static HttpResponse<String> get(HttpClient c, String url, String user, String password)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (user != null) {
            b.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (user + ":" + password)
                                                    .getBytes(StandardCharsets.UTF_8)));
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void https_with_basic_auth_admits_the_right_password_and_refuses_others() throws Exception {
        Path web =
                config(
                        """
                tls_server_config:
                  cert_file: server.crt
                  key_file: server.key
                basic_auth_users:
                  prometheus: %s
                """
                                .formatted(hash("s3cret pass")));
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 4);
                ExporterServer s =
                        Exporter.start(
                                reg.path(),
                                LOOPBACK,
                                web,
                                WebConfig.load(web),
                                ExportOptions.defaults())) {
            reg.publish(
                    "vm-a",
                    r ->
                            Records.full(
                                    r,
                                    1,
                                    2,
                                    3,
                                    System.nanoTime(),
                                    System.currentTimeMillis() * 1_000_000L));
            String base = "https://127.0.0.1:" + s.address().getPort();
            HttpClient c = trusting();

            HttpResponse<String> ok = get(c, base + "/metrics", "prometheus", "s3cret pass");
            assertEquals(200, ok.statusCode());
            assertTrue(
                    ok.body()
                            .contains(
                                    "vmpulse_guest_cpu_seconds_total{cpu=\"0\",mode=\"user\",vm_id=\"vm-a\"}"));
            assertEquals(
                    200,
                    get(c, base + "/metrics", "prometheus", "s3cret pass").statusCode(),
                    "again, from the remembered check");
            assertEquals(401, get(c, base + "/metrics", "prometheus", "wrong").statusCode());
            assertEquals(401, get(c, base + "/metrics", "prometheus", "s3cret pass ").statusCode());
            assertEquals(401, get(c, base + "/metrics", "nobody", "s3cret pass").statusCode());
            assertEquals(401, get(c, base + "/metrics", null, null).statusCode());
            assertEquals(
                    401,
                    get(c, base + "/-/healthy", null, null).statusCode(),
                    "every page is guarded");
            HttpResponse<String> refused = get(c, base + "/metrics", "prometheus", "wrong");
            assertTrue(
                    refused.headers()
                            .firstValue("WWW-Authenticate")
                            .orElse("")
                            .startsWith("Basic"));

            HttpClient plain = HttpClient.newHttpClient();
            assertThrows(
                    IOException.class,
                    () ->
                            get(
                                    plain,
                                    "http://127.0.0.1:" + s.address().getPort() + "/metrics",
                                    "prometheus",
                                    "s3cret pass"),
                    "plain HTTP to the TLS port");
        }
    }

    @Test
    void min_version_tls13_refuses_a_tls12_client() throws Exception {
        Path web =
                config(
                        """
                tls_server_config:
                  cert_file: %s
                  key_file: %s
                  min_version: TLS13
                """
                                .formatted(cert, key));
        try (ExporterServer s =
                Exporter.start(
                        dir.resolve("registry"),
                        LOOPBACK,
                        web,
                        WebConfig.load(web),
                        ExportOptions.defaults())) {
            String url = "https://127.0.0.1:" + s.address().getPort() + "/-/healthy";
            assertEquals(200, get(trusting("TLSv1.3"), url, null, null).statusCode());
            assertThrows(IOException.class, () -> get(trusting("TLSv1.2"), url, null, null));
        }
    }

    @Test
    void settings_it_cannot_honour_are_refused_with_one_line() throws Exception {
        for (String[] c :
                List.of(
                        new String[] {
                            "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
                            "client_auth_type is not supported"
                        },
                        new String[] {
                            "basic_auth_users:\n  u: plaintext\n", "is not a bcrypt hash"
                        },
                        new String[] {
                            "basic_auth_user:\n  u: x\n", "unknown setting 'basic_auth_user'"
                        },
                        new String[] {
                            "tls_server_config:\n  key_file: b\n", "cert_file is required"
                        },
                        new String[] {"tls_server_config: [\n", "not valid YAML"},
                        new String[] {
                            "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
                            "must be TLS12 or TLS13"
                        })) {
            Path f = config(c[0]);
            InvalidWebConfigException e =
                    assertThrows(InvalidWebConfigException.class, () -> WebConfig.load(f), c[0]);
            assertTrue(
                    e.getMessage().contains(c[1]) && e.getMessage().startsWith("web config " + f),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Test
    void a_pkcs1_key_is_refused_with_the_command_that_converts_it() throws Exception {
        Path rsa = dir.resolve("rsa.key");
        run("openssl", "pkey", "-in", key.toString(), "-traditional", "-out", rsa.toString());
        Path web = config("tls_server_config:\n  cert_file: server.crt\n  key_file: rsa.key\n");
        InvalidWebConfigException e =
                assertThrows(
                        InvalidWebConfigException.class,
                        () ->
                                Exporter.start(
                                        dir.resolve("registry"),
                                        LOOPBACK,
                                        web,
                                        WebConfig.load(web),
                                        ExportOptions.defaults()));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
    }
}
