package io.vmpulse.agent.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The agent's JNI library ({@code src/main/c/vmpulse-agent.c}): the few system calls Java has no
 * API for (poll for POLLPRI, statvfs, AF_VSOCK sockets, getauxval), each a plain function of
 * primitives and raw buffer addresses, returning minus errno on failure. Beneath the data path:
 * {@code sample} and {@code transport} bind their calls here.
 *
 * <p>Where the library comes from, first match wins: the path in the system property {@value
 * #PATH_PROPERTY} (the launcher passes the copy installed next to the jar); the copy on the class
 * path, when that is a directory (tests); else the copy in the jar, written to a temporary file
 * that is removed as soon as it is loaded (a jar run with {@code java -jar}, as some tests and
 * benchmarks do): the mapping outlives the name, and nothing is left in the temporary directory
 * however the JVM ends ({@code deleteOnExit} does not run on SIGKILL or a halt).
 */
public final class NativeLibrary {

    public static final String PATH_PROPERTY = "vmpulse.agent.native";
    static final String RESOURCE = "libvmpulse-agent.so";

    /** The copy written out of the jar, if that is where the library came from. */
    private static Path temporaryCopy;

    static {
        if (!"Linux".equals(System.getProperty("os.name"))
                || !"64".equals(System.getProperty("sun.arch.data.model"))) {
            throw new UnsupportedOperationException(
                    "the vmpulse agent needs 64-bit Linux, not "
                            + System.getProperty("os.name")
                            + "/"
                            + System.getProperty("os.arch"));
        }
        System.load(locate());
        if (temporaryCopy != null) {
            try {
                Files.deleteIfExists(temporaryCopy);
            } catch (IOException e) {
                // Left in the temporary directory: harmless, and nothing to report it to yet.
            }
        }
    }

    private NativeLibrary() {}

    /**
     * Loads the library (once; later calls do nothing). Call from the static initialiser of a class
     * with natives.
     */
    public static void load() {
        // The work is in this class's initialiser, which the JVM runs once.
    }

    /** The address of a direct buffer's first byte. */
    public static native long address(ByteBuffer direct);

    public static native String strerror(int errno);

    /** close(2); 0, or minus errno. */
    public static native int close(int fd);

    /** "Connection refused (errno 111)": what an error message about a failed call should carry. */
    public static String describe(long minusErrno) {
        int errno = (int) -minusErrno;
        return strerror(errno) + " (errno " + errno + ")";
    }

    private static String locate() {
        String configured = System.getProperty(PATH_PROPERTY);
        if (configured != null) {
            return configured;
        }
        URL url = NativeLibrary.class.getResource(RESOURCE);
        if (url == null) {
            throw new UnsatisfiedLinkError(
                    "no "
                            + RESOURCE
                            + " beside "
                            + NativeLibrary.class.getName()
                            + " and no -D"
                            + PATH_PROPERTY
                            + "=PATH");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI()).toString();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(url + " is no file path", e);
            }
        }
        try (InputStream in = url.openStream()) {
            Path copy = Files.createTempFile("vmpulse-agent", ".so");
            temporaryCopy = copy;
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + url + " out of the jar", e);
        }
    }
}
