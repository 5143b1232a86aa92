package io.vmpulse.collector.host.firecracker;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.vmpulse.collector.host.DeviceCounters;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Sums Firecracker's metrics lines into cumulative block and network totals.
 *
 * <p>Firecracker writes one JSON object per line, every 60 s and on each {@code FlushMetrics}
 * action (src/vmm/src/logger/metrics.rs). The per-device objects {@code block_<drive_id>}
 * (src/vmm/src/devices/virtio/block/virtio/metrics.rs) and {@code net_<iface_id>}
 * (src/vmm/src/devices/virtio/net/metrics.rs) hold {@code SharedIncMetric}s, which serialise as the
 * <b>delta since the previous flush</b>; so every line is added to the totals. The unsuffixed
 * {@code block} and {@code net} objects aggregate every device; they are used only by a line
 * without per-device objects (Firecracker before per-device metrics) and when no drive ids are
 * given. A line is taken whole or not at all: one that does not parse (truncated, garbage) is
 * counted in {@link #linesSkipped} and adds nothing.
 *
 * <p>Each {@code block_<drive_id>} and {@code net_<iface_id>} is also summed on its own, into the
 * device of that id; the aggregate objects name no device.
 *
 * <p>The first skipped line of a VM is logged with its first bytes, so that an operator can see
 * what the file holds; after that, at most one line per {@link #LOG_PERIOD_NANOS}, with the count
 * held back, because a VMM writing garbage once a second must not flood the collector's log.
 */
public final class FirecrackerMetrics implements MetricsStream.Sink, AutoCloseable {

    /** Firecracker's lines are a few KiB; anything this long is not one of them. */
    static final int MAX_LINE_BYTES = 1 << 20;

    static final long LOG_PERIOD_NANOS = 60_000_000_000L;
    private static final int LOGGED_BYTES = 80;
    private static final Logger LOG = Logger.getLogger(FirecrackerMetrics.class.getName());

    private final MetricsStream stream;
    private final List<String> driveIds;
    private final DeviceCounters totals = new DeviceCounters();
    private final DeviceCounters line = new DeviceCounters();
    private final DeviceCounters lineAggregate = new DeviceCounters();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();

    /**
     * The decode buffer, one per thread like {@link MetricsStream}'s read buffer: a line is decoded
     * and parsed within {@link #line}, so a buffer per VM (16 KiB each, a third of the collector's
     * live heap at 1,000 Firecracker VMs) would hold nothing between reads.
     */
    private static final ThreadLocal<CharBuffer> CHARS =
            ThreadLocal.withInitial(() -> CharBuffer.allocate(8192));

    private long linesParsed;
    private long linesSkipped;
    private final Path path;
    private boolean loggedOnce;
    private long nextLogNanos;
    private long skipsNotLogged;

    /**
     * @param driveIds drives to count ({@code block_<id>}); empty counts every drive
     */
    public FirecrackerMetrics(Path metricsPath, List<String> driveIds) {
        this.path = metricsPath;
        this.stream = new MetricsStream(metricsPath, MAX_LINE_BYTES);
        this.driveIds = List.copyOf(driveIds);
    }

    /** Reads every line written since the last poll, without waiting. */
    public void poll() throws IOException {
        stream.drain(this);
    }

    /** Cumulative totals since this reader started. */
    public DeviceCounters totals() {
        return totals;
    }

    public long linesParsed() {
        return linesParsed;
    }

    public long linesSkipped() {
        return linesSkipped;
    }

    @Override
    public void line(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        line.clear();
        lineAggregate.clear();
        try (JsonReader json = new JsonReader(decode(bytes, offset, length))) {
            json.beginObject();
            while (json.hasNext()) {
                String name = json.nextName();
                if (name.equals("block")) {
                    readBlock(json, lineAggregate, null);
                } else if (name.equals("net")) {
                    readNet(json, lineAggregate, null);
                } else if (name.startsWith("block_") && counts(name.substring("block_".length()))) {
                    readBlock(json, line, name.substring("block_".length()));
                } else if (name.startsWith("net_")) {
                    readNet(json, line, name.substring("net_".length()));
                } else {
                    json.skipValue();
                }
            }
            json.endObject();
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw new IOException("text after the object");
            }
        } catch (IOException | RuntimeException e) {
            skipped(e.getClass().getSimpleName(), bytes, offset, length);
            return;
        }
        linesParsed++;
        boolean useAggregate = driveIds.isEmpty();
        add(line.hasBlock || !useAggregate ? line : lineAggregate, true);
        add(line.hasNet ? line : lineAggregate, false);
    }

    /** UTF-8 into a reused char buffer; malformed input is an error (the line is then skipped). */
    private Reader decode(byte[] bytes, int offset, int length) throws CharacterCodingException {
        CharBuffer chars = CHARS.get();
        if (chars.capacity() < length) {
            chars = CharBuffer.allocate(length);
            CHARS.set(chars);
        }
        chars.clear();
        CoderResult r = utf8.reset().decode(ByteBuffer.wrap(bytes, offset, length), chars, true);
        if (r.isError()) {
            r.throwException();
        }
        utf8.flush(chars);
        return new CharArrayReader(chars.array(), 0, chars.position());
    }

    @Override
    public void overlong() {
        skipped("over " + MAX_LINE_BYTES + " bytes", null, 0, 0);
    }

    private void skipped(String why, byte[] bytes, int offset, int length) {
        linesSkipped++;
        long now = System.nanoTime();
        if (loggedOnce && now - nextLogNanos < 0) {
            skipsNotLogged++;
            return;
        }
        String head =
                bytes == null
                        ? ""
                        : ", first bytes: "
                                + new String(
                                        bytes,
                                        offset,
                                        Math.min(length, LOGGED_BYTES),
                                        StandardCharsets.UTF_8);
        String held =
                skipsNotLogged == 0
                        ? ""
                        : " (" + skipsNotLogged + " more skipped since the last report)";
        LOG.warning(
                "metrics "
                        + path
                        + ": skipped a line that is not a metrics object ("
                        + why
                        + ")"
                        + head
                        + held);
        loggedOnce = true;
        nextLogNanos = now + LOG_PERIOD_NANOS;
        skipsNotLogged = 0;
    }

    private boolean counts(String driveId) {
        return driveIds.isEmpty() || driveIds.contains(driveId);
    }

    private void add(DeviceCounters from, boolean block) {
        if (block && from.hasBlock) {
            totals.addBlock(from);
        } else if (!block && from.hasNet) {
            totals.addNet(from);
        }
    }

    /**
     * Adds one block object's deltas to {@code into}'s totals and, given a drive id, to that
     * drive's.
     */
    private static void readBlock(JsonReader json, DeviceCounters into, String driveId)
            throws IOException {
        into.hasBlock = true;
        long rb = 0;
        long wb = 0;
        long ro = 0;
        long wo = 0;
        json.beginObject();
        while (json.hasNext()) {
            switch (json.nextName()) {
                case "read_bytes" -> rb += json.nextLong();
                case "write_bytes" -> wb += json.nextLong();
                case "read_count" -> ro += json.nextLong();
                case "write_count" -> wo += json.nextLong();
                default -> json.skipValue();
            }
        }
        json.endObject();
        into.readBytes += rb;
        into.writeBytes += wb;
        into.readOps += ro;
        into.writeOps += wo;
        if (driveId != null) {
            DeviceCounters.Drive d = into.drive(driveId);
            d.readBytes += rb;
            d.writeBytes += wb;
            d.readOps += ro;
            d.writeOps += wo;
        }
    }

    /**
     * Adds one net object's deltas to {@code into}'s totals and, given an interface id, to that
     * interface's.
     */
    private static void readNet(JsonReader json, DeviceCounters into, String ifaceId)
            throws IOException {
        into.hasNet = true;
        long rxb = 0;
        long txb = 0;
        long rxp = 0;
        long txp = 0;
        long rxe = 0;
        long txe = 0;
        json.beginObject();
        while (json.hasNext()) {
            switch (json.nextName()) {
                case "rx_bytes_count" -> rxb += json.nextLong();
                case "tx_bytes_count" -> txb += json.nextLong();
                case "rx_packets_count" -> rxp += json.nextLong();
                case "tx_packets_count" -> txp += json.nextLong();
                case "rx_fails" -> {
                    rxe += json.nextLong();
                    into.hasNetErrors = true;
                }
                case "tx_fails" -> {
                    txe += json.nextLong();
                    into.hasNetErrors = true;
                }
                default -> json.skipValue();
            }
        }
        json.endObject();
        into.rxBytes += rxb;
        into.txBytes += txb;
        into.rxPackets += rxp;
        into.txPackets += txp;
        into.rxErrors += rxe;
        into.txErrors += txe;
        if (ifaceId != null) {
            DeviceCounters.Nic n = into.nic(ifaceId);
            n.rxBytes += rxb;
            n.txBytes += txb;
            n.rxPackets += rxp;
            n.txPackets += txp;
            n.rxErrors += rxe;
            n.txErrors += txe;
        }
    }

    @Override
    public void close() {
        stream.close();
    }
}
