package io.vmpulse.exporter.cli;

import java.net.InetSocketAddress;

/**
 * {@code --web.listen-address} as Prometheus exporters spell it: {@code [host]:port}, {@code
 * [::1]:port}.
 */
final class ListenAddress {

    private ListenAddress() {}

    static InetSocketAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "listen address '"
                            + s
                            + "' has no port: use [host]:port, e.g. :"
                            + ExporterMain.DEFAULT_PORT);
        }
        String host = s.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address '" + s + "': port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    "listen address '" + s + "': port " + port + " is not in 0..65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
