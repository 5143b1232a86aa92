package io.vmpulse.exporter.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The {@code --web.config.file} of node_exporter and the other Prometheus exporters
 * (exporter-toolkit's format), as far as vmpulse implements it:
 *
 * <pre>
 * tls_server_config:
 *   cert_file: server.crt      # PEM certificate chain
 *   key_file: server.key       # PEM private key, PKCS#8
 *   min_version: TLS12         # TLS12 (default) or TLS13
 * basic_auth_users:
 *   prometheus: $2y$10$...     # bcrypt hash, e.g. from htpasswd -nBC 10
 * </pre>
 *
 * Relative file names are relative to the config file's directory. A setting of that format which
 * vmpulse does not implement (client certificates, cipher suites, HTTP headers) is refused, never
 * ignored: ignoring {@code client_auth_type} would serve to clients the operator meant to refuse.
 *
 * @param certFile null when the config has no tls_server_config (plain HTTP)
 * @param keyFile null with certFile
 * @param minTls "TLSv1.2" or "TLSv1.3"
 * @param users user name to bcrypt hash; empty for no basic auth
 */
public record WebConfig(Path certFile, Path keyFile, String minTls, Map<String, String> users) {

    private static final Set<String> TOP =
            Set.of("tls_server_config", "basic_auth_users", "http_server_config");
    private static final Set<String> TLS =
            Set.of(
                    "cert_file",
                    "key_file",
                    "min_version",
                    "max_version",
                    "client_auth_type",
                    "client_ca_file",
                    "cipher_suites",
                    "curve_preferences",
                    "prefer_server_cipher_suites",
                    "client_allowed_sans",
                    "cert",
                    "key",
                    "client_ca");

    public static WebConfig none() {
        return new WebConfig(null, null, "TLSv1.2", Map.of());
    }

    public boolean tls() {
        return certFile != null;
    }

    /**
     * Reads and checks {@code file}; the message of the exception names the file and the problem.
     */
    public static WebConfig load(Path file) throws InvalidWebConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidWebConfigException(file, "cannot read it: " + e);
        }
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new InvalidWebConfigException(
                    file, "not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (root == null) {
            return none(); // an empty file, as exporter-toolkit accepts
        }
        Map<String, Object> top = map(file, root, "the document");
        for (String key : top.keySet()) {
            if (!TOP.contains(key)) {
                throw new InvalidWebConfigException(file, "unknown setting '" + key + "'");
            }
        }
        if (top.containsKey("http_server_config")) {
            throw new InvalidWebConfigException(
                    file, "http_server_config is not supported by vmpulse-exporter");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path cert = null;
        Path key = null;
        String minTls = "TLSv1.2";
        if (top.get("tls_server_config") != null) {
            Map<String, Object> tls = map(file, top.get("tls_server_config"), "tls_server_config");
            for (String k : tls.keySet()) {
                if (!TLS.contains(k)) {
                    throw new InvalidWebConfigException(
                            file, "unknown setting 'tls_server_config." + k + "'");
                }
                if (!Set.of("cert_file", "key_file", "min_version").contains(k)) {
                    throw new InvalidWebConfigException(
                            file,
                            "tls_server_config." + k + " is not supported by vmpulse-exporter");
                }
            }
            cert = dir.resolve(string(file, tls, "cert_file"));
            key = dir.resolve(string(file, tls, "key_file"));
            if (tls.containsKey("min_version")) {
                minTls =
                        switch (String.valueOf(tls.get("min_version"))) {
                            case "TLS12" -> "TLSv1.2";
                            case "TLS13" -> "TLSv1.3";
                            default ->
                                    throw new InvalidWebConfigException(
                                            file,
                                            "tls_server_config.min_version must be TLS12 or TLS13, not '"
                                                    + tls.get("min_version")
                                                    + "'");
                        };
            }
        }
        Map<String, String> users = new LinkedHashMap<>();
        if (top.get("basic_auth_users") != null) {
            for (Map.Entry<String, Object> e :
                    map(file, top.get("basic_auth_users"), "basic_auth_users").entrySet()) {
                String hash = String.valueOf(e.getValue());
                if (!hash.matches("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                    throw new InvalidWebConfigException(
                            file,
                            "basic_auth_users."
                                    + e.getKey()
                                    + " is not a bcrypt hash ($2y$10$... from htpasswd -nBC 10)");
                }
                users.put(e.getKey(), hash);
            }
        }
        return new WebConfig(cert, key, minTls, Map.copyOf(users));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Path file, Object o, String what)
            throws InvalidWebConfigException {
        if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidWebConfigException(file, what + " must be a mapping");
        }
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                throw new InvalidWebConfigException(
                        file, "key " + k + " in " + what + " is not a string");
            }
        }
        return (Map<String, Object>) m;
    }

    private static String string(Path file, Map<String, Object> m, String key)
            throws InvalidWebConfigException {
        Object v = m.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new InvalidWebConfigException(file, "tls_server_config." + key + " is required");
        }
        return s;
    }
}
