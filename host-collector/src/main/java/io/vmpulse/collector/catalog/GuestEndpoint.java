package io.vmpulse.collector.catalog;

import java.nio.file.Path;

/**
 * How a VM's guest agent reaches the collector. The endpoint is also the VM's identity on the
 * ingest side, so no two registered VMs may share a {@link #claim()}.
 */
public sealed interface GuestEndpoint {

    /** A string that is equal for two endpoints exactly when they would need the same listener. */
    String claim();

    /**
     * Firecracker / Cloud Hypervisor hybrid vsock: a guest connecting to host port {@code port}
     * reaches the Unix socket {@code <udsBase>_<port>}, on which the collector listens.
     */
    record HybridVsock(Path udsBase, int port) implements GuestEndpoint {
        /** The Unix socket the collector listens on for this VM. */
        public Path listenPath() {
            return Path.of(udsBase + "_" + Integer.toUnsignedString(port));
        }

        @Override
        public String claim() {
            return "unix:" + listenPath();
        }
    }

    /** libkrun maps a guest vsock port to this host Unix socket; the collector listens on it. */
    record LibkrunSocket(Path path) implements GuestEndpoint {
        @Override
        public String claim() {
            return "unix:" + path;
        }
    }

    /**
     * QEMU vhost-vsock: the guest's CID, seen as the peer address on the collector's AF_VSOCK
     * listener.
     */
    record VsockCid(int cid) implements GuestEndpoint {
        @Override
        public String claim() {
            return "vsock-cid:" + Integer.toUnsignedString(cid);
        }
    }

    /** Development and test VMs: the collector listens on this TCP address for this VM. */
    record Tcp(String host, int port) implements GuestEndpoint {
        @Override
        public String claim() {
            return "tcp:" + host + ":" + port;
        }
    }
}
