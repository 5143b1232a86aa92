package io.vmpulse.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.exporter.testing.Exposition;
import io.vmpulse.exporter.testing.Records;
import io.vmpulse.exporter.testing.Scrapes;
import io.vmpulse.exporter.testing.TestRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryToSeriesTest {

    @TempDir
    Path dir;

    @Test
    void smoke() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("registry"), 8)) {
            reg.publish("vm-a", r -> Records.full(r, 1, 2, 3, System.nanoTime(), System.currentTimeMillis() * 1_000_000));
            String text = new Scrapes(reg.path()).text();
            System.out.println(text);
        }
    }
}
