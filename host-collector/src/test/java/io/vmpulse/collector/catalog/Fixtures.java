package io.vmpulse.collector.catalog;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Descriptor fixtures under src/test/resources/catalog, and a bounded wait for asynchronous
 * effects.
 */
public final class Fixtures {
    /** The valid descriptors, one per hypervisor kind. */
    public static final List<String> GOOD =
            List.of(
                    "good/fc-1.json",
                    "good/ch-1.json",
                    "good/qemu-1.json",
                    "good/krun-1.json",
                    "good/test-1.json");

    private Fixtures() {}

    public static String text(final String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/catalog/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture vm/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies a fixture into {@code dir}, atomically (temp file + rename) as an orchestrator should.
     */
    public static Path install(final String name, final Path dir, final String as)
            throws IOException {
        final Path tmp = dir.resolve("." + as + ".tmp");
        Files.writeString(tmp, text(name));
        return Files.move(tmp, dir.resolve(as), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static Vm vm(final String name) throws InvalidDescriptorException {
        return VmDescriptors.toVm(DescriptorJson.parse(text(name)));
    }

    /**
     * Waits up to 10 s for {@code condition}; the watcher reacts in milliseconds, so this only
     * bounds a failure.
     */
    public static void eventually(final String what, final BooleanSupplier condition)
            throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
