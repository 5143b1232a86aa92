package io.vmpulse.bench.load;

import java.util.Locale;

/**
 * N well-behaved simulated guest agents, all started at once, each streaming one sample per
 * interval to its VM's own socket: {@link GuestFleet} over grpc-java's client, {@link
 * AgentGuestFleet} over the guest agent's own transport.
 */
interface Fleet {

    /** Which HTTP/2 client the simulated guests speak with. */
    enum Transport {
        /**
         * grpc-java's Netty client: the default, which collector-load.sh's history was taken with.
         */
        GRPC_JAVA("grpc-java"),
        /** The guest agent's own {@code GrpcCall}: what a real agent costs the collector. */
        AGENT("agent");

        private final String label;

        Transport(String label) {
            this.label = label;
        }

        /** "grpc-java" or "agent"; anything else is an IllegalArgumentException naming both. */
        static Transport parse(String text) {
            for (Transport t : values()) {
                if (t.label.equals(text.toLowerCase(Locale.ROOT))) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "unknown transport '" + text + "': expected grpc-java or agent");
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** What the fleet saw by the time its streams ended. */
    record Summary(int guests, long neverWelcomed, long unacked) {
        boolean allWelcomedAndAcked() {
            return neverWelcomed == 0 && unacked == 0;
        }

        @Override
        public String toString() {
            return "guests=" + guests + " never_welcomed=" + neverWelcomed + " unacked=" + unacked;
        }
    }

    /**
     * Connects {@code n} guests over {@code transport} to {@code String.format(socketFormat, i)}
     * for i in 0..n-1 and starts them; returns at once.
     */
    static Fleet start(Transport transport, String socketFormat, int n) throws Exception {
        return switch (transport) {
            case GRPC_JAVA -> new GuestFleet(socketFormat, n);
            case AGENT -> new AgentGuestFleet(socketFormat, n);
        };
    }

    /** Bytes of one sample message, and its shape, for the run's first line. */
    String sampleDescription();

    /** The fleet's counters on one line. */
    String status();

    /**
     * Stops sending and half-closes, as an agent shutting down does: the collector acks what it
     * holds (it batches Acks, so the last few samples are acked only then) and ends the stream.
     */
    Summary finish() throws Exception;
}
