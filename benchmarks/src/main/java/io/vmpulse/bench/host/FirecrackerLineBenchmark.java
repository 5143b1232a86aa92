package io.vmpulse.bench.host;

import io.vmpulse.collector.host.firecracker.FirecrackerMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of summing one Firecracker metrics line (what each flush adds, once per VM per flush
 * interval): a line of the size Firecracker writes, with one drive and one interface among the
 * other components' objects, which are skipped.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FirecrackerLineBenchmark {

    private static final String[] OTHER_COMPONENTS = {
        "api_server",
        "balloon",
        "deprecated_api",
        "get_api_requests",
        "i8042",
        "latencies_us",
        "logger",
        "mmds",
        "patch_api_requests",
        "put_api_requests",
        "seccomp",
        "vcpu",
        "vmm",
        "uart",
        "signals",
        "vsock",
        "entropy",
        "rtc",
        "vhost_user_block",
        "memory_hotplug",
    };

    private FirecrackerMetrics metrics;
    private byte[] line;

    @Setup
    public void setUp() {
        StringBuilder sb = new StringBuilder("{\"utc_timestamp_ms\":1763800000000");
        for (String component : OTHER_COMPONENTS) {
            sb.append(",\"").append(component).append("\":{");
            for (int i = 0; i < 12; i++) {
                sb.append(i == 0 ? "" : ",")
                        .append("\"counter_")
                        .append(i)
                        .append("\":")
                        .append(i * 37);
            }
            sb.append('}');
        }
        sb.append(",\"block_rootfs\":{");
        for (String f :
                List.of(
                        "activate_fails",
                        "cfg_fails",
                        "no_avail_buffer",
                        "event_fails",
                        "execute_fails",
                        "invalid_reqs_count",
                        "flush_count",
                        "queue_event_count",
                        "rate_limiter_event_count",
                        "update_count",
                        "update_fails",
                        "read_bytes",
                        "write_bytes",
                        "read_count",
                        "write_count")) {
            sb.append('"').append(f).append("\":4096,");
        }
        sb.append("\"read_agg\":{\"min_us\":3,\"max_us\":90,\"sum_us\":400},")
                .append("\"write_agg\":{\"min_us\":5,\"max_us\":70,\"sum_us\":300},")
                .append(
                        "\"rate_limiter_throttled_events\":0,\"io_engine_throttled_events\":0,\"remaining_reqs_count\":0}");
        sb.append(",\"net_eth0\":{");
        for (String f :
                List.of(
                        "activate_fails",
                        "cfg_fails",
                        "mac_address_updates",
                        "no_rx_avail_buffer",
                        "no_tx_avail_buffer",
                        "event_fails",
                        "rx_queue_event_count",
                        "rx_event_rate_limiter_count",
                        "rx_rate_limiter_throttled",
                        "rx_tap_event_count",
                        "rx_bytes_count",
                        "rx_packets_count",
                        "rx_fails",
                        "rx_count",
                        "tap_read_fails",
                        "tap_write_fails",
                        "tx_bytes_count",
                        "tx_malformed_frames",
                        "tx_fails",
                        "tx_count",
                        "tx_packets_count",
                        "tx_partial_reads",
                        "tx_queue_event_count",
                        "tx_rate_limiter_event_count",
                        "tx_rate_limiter_throttled",
                        "tx_spoofed_mac_count")) {
            sb.append('"').append(f).append("\":1500,");
        }
        sb.append(
                "\"tap_write_agg\":{\"min_us\":1,\"max_us\":9,\"sum_us\":30},\"tx_remaining_reqs_count\":0}}");
        line = sb.toString().getBytes(StandardCharsets.UTF_8);
        metrics = new FirecrackerMetrics(Path.of("/dev/null"), List.of("rootfs"));
    }

    @Benchmark
    public long sumOneLine() {
        metrics.line(line, 0, line.length);
        return metrics.totals().readBytes;
    }
}
