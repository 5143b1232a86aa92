package io.vmpulse.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.session.CollectorSettings;
import io.vmpulse.collector.testing.TestJson;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.proto.collector.v1.CollectorConfig;
import io.vmpulse.registry.layout.RegistryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One default registry path, written once ({@link RegistryLayout#DEFAULT_PATH}), and everything
 * that names a default agrees with it: the collector's settings, the CLI's readers, the shipped
 * configuration and systemd unit, the C header and dump tool, the Python reader and the documents.
 */
class DefaultRegistryPathTest {

    private static final String DEFAULT = RegistryLayout.DEFAULT_PATH;

    @Test
    void every_default_registry_path_is_the_one_in_the_registry_layout() throws Exception {
        assertEquals(
                Path.of(DEFAULT),
                CollectorSettings.from(CollectorConfig.getDefaultInstance(), "{}").registryPath());
        assertEquals(Path.of(DEFAULT), RegistryOptions.DEFAULT_PATH);
        assertEquals(Path.of(DEFAULT), new DumpCommand().shm);
        assertEquals(Path.of(DEFAULT), new TopCommand().shm);

        @SuppressWarnings("unchecked")
        Map<String, Object> shipped =
                (Map<String, Object>)
                        TestJson.parse(
                                Files.readString(
                                        Tools.ROOT.resolve(
                                                "host-collector/src/main/dist/collector.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> registry = (Map<String, Object>) shipped.get("registry");
        assertEquals(DEFAULT, registry.get("path"), "the configuration the systemd unit runs with");
        String unit =
                Files.readString(
                        Tools.ROOT.resolve(
                                "host-collector/src/main/dist/vmpulse-collector.service"));
        Matcher runtime = Pattern.compile("(?m)^RuntimeDirectory=(\\S+)$").matcher(unit);
        assertTrue(runtime.find());
        assertEquals(
                Path.of(DEFAULT).getParent(),
                Path.of("/run", runtime.group(1)),
                "systemd makes the default registry's directory");

        assertEquals(
                List.of(DEFAULT),
                quoted(
                        Tools.C_DIR.resolve("vmpulse_shm.h"),
                        "#define VMPULSE_DEFAULT_PATH \"([^\"]+)\""));
        assertTrue(
                Files.readString(Tools.C_DIR.resolve("vmpulse_dump.c"))
                        .contains("path = VMPULSE_DEFAULT_PATH;"));
        assertEquals(
                List.of(DEFAULT), quoted(Tools.PYTHON_READER, "(?m)^DEFAULT_PATH = \"([^\"]+)\"$"));
        assertTrue(Files.readString(Tools.PYTHON_READER).contains("default=DEFAULT_PATH"));

        assertEquals(
                List.of(DEFAULT),
                quoted(
                        Tools.ROOT.resolve("docs/operations.md"),
                        "(?m)^\\| `registry.path` \\| `([^`]+)`"));
        assertEquals(
                List.of(DEFAULT),
                quoted(
                        Tools.ROOT.resolve("docs/shm-abi.md"),
                        "(?m)^\\| default path \\| `([^`]+)`"));
        assertEquals(
                List.of(DEFAULT),
                quoted(
                        Tools.ROOT.resolve(
                                "proto/src/main/proto/vmpulse/collector/v1/config.proto"),
                        "string path = 1; +// default (\\S+)"));
        for (String doc :
                List.of(
                        "README.md",
                        "docs/shm-abi.md",
                        "docs/operations.md",
                        "registry/c/vmpulse_shm.h",
                        "registry/c/vmpulse_dump.c",
                        "registry/python/vmpulse_shm.py")) {
            assertTrue(
                    !Files.readString(Tools.ROOT.resolve(doc))
                            .matches("(?s).*/dev/shm/vmpulse(?![-\\w]).*"),
                    doc + " still names the old default /dev/shm/vmpulse");
        }
    }

    private static List<String> quoted(Path file, String regex) throws Exception {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
        List<String> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
