package io.vmpulse.agent.transport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where the collector listens, parsed from a URI. One of:
 *
 * <pre>
 *   vsock://CID:PORT   AF_VSOCK; CID defaults to 2 (the host), PORT to 7070: "vsock://" alone is
 *                      the usual guest setting
 *   unix:///path       a Unix socket; the host side of Firecracker / Cloud Hypervisor hybrid vsock,
 *                      and what the tests use
 *   tcp://host:port    development, and test VMs without a vsock device
 * </pre>
 *
 * <p>{@link #parse} rejects anything else with an {@link IllegalArgumentException} whose message is
 * one line naming what is wrong.
 */
public sealed interface CollectorAddress {

    /** VMADDR_CID_HOST: the hypervisor's host, where the collector runs. */
    long DEFAULT_VSOCK_CID = 2;

    /** The port the collector listens on when the URI names none. */
    long DEFAULT_VSOCK_PORT = 7070;

    /** The agent's default target. */
    String DEFAULT_URI = "vsock://" + DEFAULT_VSOCK_CID + ":" + DEFAULT_VSOCK_PORT;

    /**
     * A CID or port is an unsigned 32-bit number; 0xFFFFFFFF means "any" and cannot be connected
     * to.
     */
    long VSOCK_ANY = 0xFFFF_FFFFL;

    int TCP_PORT_MAX = 65_535;

    /** sun_path holds 108 bytes including the terminating NUL. */
    int UNIX_PATH_MAX_BYTES = 107;

    /** {@code cid} and {@code port} are unsigned 32-bit values held in a long. */
    record Vsock(long cid, long port) implements CollectorAddress {
        @Override
        public String toString() {
            return "vsock://" + cid + ":" + port;
        }
    }

    record Unix(Path path) implements CollectorAddress {
        @Override
        public String toString() {
            return "unix://" + path;
        }
    }

    record Tcp(String host, int port) implements CollectorAddress {
        @Override
        public String toString() {
            return "tcp://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    static CollectorAddress parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("collector URI is empty");
        }
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException(
                    "collector URI '"
                            + uri
                            + "' has no scheme: expected vsock://CID:PORT, unix:///path or tcp://host:port");
        }
        String scheme = uri.substring(0, schemeEnd);
        String rest = uri.substring(schemeEnd + 3);
        switch (scheme) {
            case "vsock":
                return parseVsock(uri, rest);
            case "unix":
                return parseUnix(uri, rest);
            case "tcp":
                return parseTcp(uri, rest);
            default:
                throw new IllegalArgumentException(
                        "collector URI '"
                                + uri
                                + "' has unknown scheme '"
                                + scheme
                                + "': expected vsock, unix or tcp");
        }
    }

    private static Vsock parseVsock(String uri, String authority) {
        rejectPath(uri, authority);
        int colon = authority.indexOf(':');
        String cid = colon < 0 ? authority : authority.substring(0, colon);
        String port = colon < 0 ? "" : authority.substring(colon + 1);
        return new Vsock(
                cid.isEmpty() ? DEFAULT_VSOCK_CID : unsigned32(uri, "CID", cid),
                port.isEmpty() ? DEFAULT_VSOCK_PORT : unsigned32(uri, "port", port));
    }

    private static long unsigned32(String uri, String what, String text) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "vsock "
                            + what
                            + " '"
                            + text
                            + "' in collector URI '"
                            + uri
                            + "' is not a number");
        }
        if (value < 0 || value >= VSOCK_ANY) {
            throw new IllegalArgumentException(
                    "vsock "
                            + what
                            + " "
                            + text
                            + " in collector URI '"
                            + uri
                            + "' is out of range 0.."
                            + (VSOCK_ANY - 1));
        }
        return value;
    }

    private static Unix parseUnix(String uri, String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException(
                    "collector URI '" + uri + "' has no socket path: expected unix:///path");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(
                    "unix socket path '"
                            + path
                            + "' in collector URI '"
                            + uri
                            + "' is relative: expected unix:///absolute/path");
        }
        int bytes = path.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > UNIX_PATH_MAX_BYTES) {
            throw new IllegalArgumentException(
                    "unix socket path in collector URI '"
                            + uri
                            + "' is "
                            + bytes
                            + " bytes long; the limit is "
                            + UNIX_PATH_MAX_BYTES);
        }
        return new Unix(Path.of(path));
    }

    private static Tcp parseTcp(String uri, String authority) {
        rejectPath(uri, authority);
        String host;
        String afterHost;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(
                        "collector URI '" + uri + "' has an unclosed '[' in its host");
            }
            host = authority.substring(1, close);
            afterHost = authority.substring(close + 1);
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            afterHost = colon < 0 ? "" : authority.substring(colon);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException(
                    "collector URI '" + uri + "' has no host: expected tcp://host:port");
        }
        if (!afterHost.startsWith(":") || afterHost.length() == 1) {
            throw new IllegalArgumentException(
                    "collector URI '" + uri + "' has no port: expected tcp://host:port");
        }
        String port = afterHost.substring(1);
        int value;
        try {
            value = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "tcp port '" + port + "' in collector URI '" + uri + "' is not a number");
        }
        if (value < 1 || value > TCP_PORT_MAX) {
            throw new IllegalArgumentException(
                    "tcp port "
                            + port
                            + " in collector URI '"
                            + uri
                            + "' is out of range 1.."
                            + TCP_PORT_MAX);
        }
        return new Tcp(host, value);
    }

    private static void rejectPath(String uri, String authority) {
        if (authority.indexOf('/') >= 0
                || authority.indexOf('?') >= 0
                || authority.indexOf('#') >= 0) {
            throw new IllegalArgumentException(
                    "collector URI '"
                            + uri
                            + "' has a path, query or fragment; "
                            + "vsock and tcp URIs take only an address");
        }
    }
}
