package io.vmpulse.collector.ingest;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Counts a message that gRPC itself refused for being over {@link GuestLimits#maxMessageBytes}.
 * gRPC reads the message's length prefix, ends the stream with RESOURCE_EXHAUSTED and never hands
 * the message (or that status) to the service: the stream only sees a cancellation. A stream tracer
 * is told the status the stream closed with, so this is where the rejection can be counted against
 * the VM that sent it.
 *
 * <p>The status is recognised by gRPC's description ({@code MessageDeframer} and its decompression
 * check both say "exceeds maximum size"), since RESOURCE_EXHAUSTED alone is also what the collector
 * ends an abusive stream with, whose messages are already counted. {@code HostileGuestTest} pins
 * the wording to the gRPC version in use.
 *
 * <p>gRPC also logs each such message itself, at WARNING with a stack trace and without any rate
 * limit, so a guest could fill the host's log by sending them; that record is filtered out, as the
 * VM's own rate-limited reject log already says it. gRPC's other records there stay.
 */
final class TransportRejects extends ServerStreamTracer.Factory {

    private static final String OVER_LIMIT = "exceeds maximum size";

    /**
     * Where grpc-netty logs a message it could not deframe. Held: JUL keeps loggers only weakly.
     */
    static final Logger GRPC_DEFRAME_LOG =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    static {
        GRPC_DEFRAME_LOG.setFilter(
                r ->
                        !(r.getThrown() instanceof StatusRuntimeException
                                && isOverTransportLimit(
                                        ((StatusRuntimeException) r.getThrown()).getStatus())));
    }

    private final Function<ServerStreamTracer.ServerCallInfo<?, ?>, GuestLink> linkOf;

    /**
     * @param linkOf the VM a call belongs to (null: none), from the call's transport attributes
     */
    TransportRejects(Function<ServerStreamTracer.ServerCallInfo<?, ?>, GuestLink> linkOf) {
        this.linkOf = linkOf;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
            // Set when the call starts, before any message is read; read when the stream closes.
            private volatile GuestLink link;

            @Override
            public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
                link = linkOf.apply(callInfo);
            }

            @Override
            public void streamClosed(Status status) {
                GuestLink l = link;
                if (l != null && isOverTransportLimit(status)) {
                    l.transportRejected(status.getDescription());
                }
            }
        };
    }

    static boolean isOverTransportLimit(Status status) {
        return status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && status.getDescription() != null
                && status.getDescription().contains(OVER_LIMIT);
    }
}
