package io.vmpulse.collector.ingest;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Replaces what gRPC and netty log about a guest's broken connection (garbage instead of HTTP/2, a
 * protocol error, a peer cut off for a flood) with one line without a stack trace, at most one per
 * {@link #PERIOD}, with a count of what was held back. Unfiltered, each such connection is an INFO
 * record with a 60-line trace: a guest reconnecting with random bytes in a loop wrote hundreds of
 * kilobytes of log a second. These records do not say which VM the connection was from, so the
 * limit is across all guests; what a VM's streams do wrong is logged per VM ({@link GuestLink}).
 */
final class TransportLog {

    static final Duration PERIOD = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(TransportLog.class.getName());
    private static final RateLimitedLog LIMITED = new RateLimitedLog(LOG, PERIOD.toNanos());

    /**
     * The loggers whose records at INFO and below are about a peer. Held: JUL keeps loggers only
     * weakly.
     */
    static final List<Logger> PEER_LOGGERS =
            List.of(
                    Logger.getLogger(
                            "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections"),
                    Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler"),
                    Logger.getLogger(
                            "io.grpc.netty.shaded.io.grpc.netty.Http2ControlFrameLimitEncoder"),
                    Logger.getLogger(
                            "io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ControlFrameLimitEncoder"),
                    Logger.getLogger(
                            "io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ConnectionHandler"),
                    Logger.getLogger(
                            "io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder"));

    static {
        for (Logger l : PEER_LOGGERS) {
            l.setFilter(TransportLog::replace);
        }
    }

    private TransportLog() {}

    /** Installs the filters (once, when the class loads). */
    static void install() {}

    /**
     * Keeps records above INFO (the collector's own faults); turns the rest into the limited line.
     */
    private static boolean replace(LogRecord r) {
        if (r.getLevel().intValue() > Level.INFO.intValue()) {
            return true;
        }
        if (r.getLevel().intValue() < Level.INFO.intValue()) {
            return true; // not published unless an operator asked for debug output
        }
        Throwable t = r.getThrown();
        String why =
                t == null
                        ? String.valueOf(r.getMessage())
                        : t.getClass().getSimpleName() + ": " + t.getMessage();
        LIMITED.warn(System.nanoTime(), "guest connection ended: " + LogText.quote(why));
        return false;
    }
}
