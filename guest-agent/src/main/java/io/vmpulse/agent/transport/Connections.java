package io.vmpulse.agent.transport;

import java.io.IOException;
import java.time.Duration;

/** Opens a {@link Connection} over the transport a {@link CollectorAddress} names. */
public final class Connections {

    private Connections() {}

    /**
     * Connects, or throws an {@link IOException} naming {@code address} and what failed. {@code
     * connectTimeout} bounds the wait for the peer (see each transport for how).
     */
    public static Connection open(CollectorAddress address, Duration connectTimeout)
            throws IOException {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "connect timeout must be positive, not " + connectTimeout);
        }
        if (address instanceof CollectorAddress.Vsock) {
            return NativeSocketConnection.open((CollectorAddress.Vsock) address, connectTimeout);
        }
        if (address instanceof CollectorAddress.Unix) {
            return NativeSocketConnection.open((CollectorAddress.Unix) address);
        }
        return NativeSocketConnection.open((CollectorAddress.Tcp) address, connectTimeout);
    }
}
