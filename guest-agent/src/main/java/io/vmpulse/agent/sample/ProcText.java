package io.vmpulse.agent.sample;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A small text file under {@code /proc} read once, whole, through the agent's own system calls
 * ({@link ProcFile}). Why not {@code Files.readString}: its file channel registers with the JDK's
 * common cleaner, whose thread would then live as long as the agent, for two reads at start.
 */
public final class ProcText {

    private static final int INITIAL_BYTES = 256;

    private ProcText() {}

    /**
     * The content of {@code path}, UTF-8, without surrounding white space.
     *
     * @throws java.io.UncheckedIOException naming the file when it cannot be opened or read
     */
    public static String read(Path path) {
        try (ProcFile file = new ProcFile(path, INITIAL_BYTES)) {
            int length = file.read();
            ByteBuffer content = file.content();
            byte[] bytes = new byte[length];
            content.get(0, bytes);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        }
    }
}
