package io.vmpulse.agent.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/** Fixture files under src/test/resources/io/vmpulse/agent/sample, written after proc(5). */
final class Fixtures {

    private Fixtures() {}

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteBuffer text(String name) {
        return ByteBuffer.wrap(bytes(name));
    }

    static ByteBuffer text(byte[] bytes) {
        return ByteBuffer.wrap(bytes);
    }
}
