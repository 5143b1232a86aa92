package io.vmpulse.collector.socket;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** The socket files the collector listens on: what may be cleared away before binding. */
public final class UnixSocketFiles {

    private UnixSocketFiles() {}

    /**
     * Makes room to bind {@code path}: a socket left by a dead process is removed. A socket that
     * still answers belongs to a live process (a second collector), and anything that is not a
     * socket is never deleted; both are errors naming {@code what} the socket is for.
     */
    public static void removeStale(Path path, String what) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes =
                    Files.readAttributes(
                            path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) {
            throw new IOException(
                    path + " exists and is not a socket; refusing to replace it with the " + what);
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException(what + " " + path + " is in use: another collector is running");
        } catch (ConnectException e) {
            Files.delete(path);
        }
    }
}
