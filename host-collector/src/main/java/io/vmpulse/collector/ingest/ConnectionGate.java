package io.vmpulse.collector.ingest;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Admits or refuses each accepted connection before any of its bytes are read: a VM may hold {@link
 * IngestBounds#connectionsPerVm} connections, all guests together {@link
 * IngestBounds#connectionsTotal}. A refused connection is closed at once and counted against its
 * VM. Without this, one VM opening idle connections would use up the collector's file descriptors
 * and starve every other VM.
 *
 * <p>gRPC has no hook at accept time, so this sits where it lets one be added: it is the
 * connection's protocol negotiator, which does the plaintext negotiation gRPC would have done once
 * the connection is admitted.
 */
final class ConnectionGate implements InternalProtocolNegotiator.ProtocolNegotiator {

    /**
     * The connection whose bytes the I/O thread is handling right now. gRPC starts a call on the
     * I/O thread while it reads the call's HEADERS (the server runs callbacks directExecutor), so a
     * stream opened now belongs to this connection: that is how the service learns which VM a
     * stream is from (the VM of the listener that accepted its connection, so that one service
     * definition serves every VM's listener), and how a stream that never says hello can close the
     * connection it holds, which gRPC gives the service no handle on.
     */
    private static final ThreadLocal<Admission> READING = new ThreadLocal<>();

    /** The connection being read on this thread, or null when none is. */
    static Channel reading() {
        Admission a = READING.get();
        return a == null ? null : a.channel;
    }

    /**
     * The VM whose listener accepted the connection being read on this thread: identity from the
     * transport, never from anything the guest sent. Null when no connection is being read, or its
     * listener has no VM of its own (vsock, where the peer's CID decides).
     */
    static GuestLink readingVm() {
        Admission a = READING.get();
        return a == null ? null : a.link;
    }

    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
            InternalProtocolNegotiators.serverPlaintext();
    private final IngestBounds bounds;
    private final AtomicInteger total;
    private final Function<Channel, GuestLink> linkOf;
    private final PeerRule peers;

    /**
     * @param total the connections open across every listener of the collector
     * @param linkOf the VM a connection belongs to, from its channel; null when none (refused
     *     later)
     * @param peers who may connect, judged by SO_PEERCRED (Unix sockets only)
     */
    ConnectionGate(
            IngestBounds bounds,
            AtomicInteger total,
            Function<Channel, GuestLink> linkOf,
            PeerRule peers) {
        this.bounds = bounds;
        this.total = total;
        this.linkOf = linkOf;
        this.peers = peers;
    }

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new Admission(plaintext.newHandler(grpcHandler));
    }

    @Override
    public void close() {
        plaintext.close();
    }

    private String peerRefused(Channel ch) {
        if (peers == PeerRule.ANY || !(ch instanceof EpollDomainSocketChannel d)) {
            return null;
        }
        try {
            PeerCredentials c = d.peerCredentials();
            return peers.refuse(c.pid(), c.uid());
        } catch (IOException e) {
            return "its peer credentials cannot be read: " + e.getMessage();
        }
    }

    private final class Admission extends ChannelInboundHandlerAdapter {
        /**
         * The plaintext negotiation, handed on to the pipeline and then let go: it removes itself
         * once done, and held here it would keep its handlers and event (~300 bytes) for the
         * connection's life.
         */
        private ChannelHandler next;

        // Set once, on the I/O thread, before the connection's first byte is read.
        private Channel channel;
        private GuestLink link;

        Admission(ChannelHandler next) {
            this.next = next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ChannelHandler negotiation = next;
            next = null;
            channel = ctx.channel();
            link = linkOf.apply(channel);
            if (link != null) {
                String refused = admit(ctx.channel(), link);
                if (refused != null) {
                    link.connectionRefused(refused);
                    ctx.close();
                    ctx.pipeline().remove(this);
                    return;
                }
                ctx.channel()
                        .closeFuture()
                        .addListener(
                                f -> {
                                    link.connectionClosed();
                                    total.decrementAndGet();
                                });
            }
            ctx.pipeline().addAfter(ctx.name(), null, negotiation);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            READING.set(this);
            try {
                ctx.fireChannelRead(msg);
            } finally {
                READING.remove();
            }
        }

        /**
         * Checks the peer, then takes a place in both budgets, or none; null on success, else why
         * not.
         */
        private String admit(Channel ch, GuestLink link) {
            String stranger = peerRefused(ch);
            if (stranger != null) {
                return "connection refused: " + stranger;
            }
            if (total.incrementAndGet() > bounds.connectionsTotal()) {
                total.decrementAndGet();
                return "connection refused: all guests together hold the collector's budget of "
                        + bounds.connectionsTotal()
                        + " connections";
            }
            if (!link.connectionOpened(bounds.connectionsPerVm())) {
                total.decrementAndGet();
                return "connection refused: the VM already holds "
                        + bounds.connectionsPerVm()
                        + " connections";
            }
            return null;
        }
    }
}
