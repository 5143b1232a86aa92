package io.vmpulse.collector.host.firecracker;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import io.vmpulse.collector.merge.HostReading;
import java.io.IOException;

/**
 * The two calls the collector makes on Firecracker's API socket
 * (src/firecracker/swagger/firecracker.yaml): {@code PUT /actions {"action_type":"FlushMetrics"}}
 * and {@code GET /balloon/statistics}.
 */
public final class FirecrackerApi {

    /** virtio-balloon counts in 4 KiB pages whatever the guest's page size. */
    private static final long BALLOON_PAGE_BYTES = 4096;

    private final UnixHttpClient http;

    public FirecrackerApi(UnixHttpClient http) {
        this.http = http;
    }

    /**
     * Makes Firecracker write a metrics line now (and reset its deltas): the collector must be the
     * only flusher.
     */
    public void flushMetrics() throws IOException {
        UnixHttpClient.Response r =
                http.request("PUT", "/actions", "{\"action_type\":\"FlushMetrics\"}");
        if (!r.isSuccess()) {
            throw new IOException("FlushMetrics: HTTP " + r.status() + " " + brief(r.body()));
        }
    }

    /**
     * The balloon statistics: target and actual size from {@code target_pages}/{@code
     * actual_pages}; {@code free_memory}, {@code total_memory}, {@code available_memory} (bytes,
     * reported by the guest driver) when present, else ABSENT.
     */
    public Balloon readBalloon() throws IOException {
        UnixHttpClient.Response r = http.request("GET", "/balloon/statistics", null);
        if (!r.isSuccess()) {
            throw new IOException("balloon statistics: HTTP " + r.status() + " " + brief(r.body()));
        }
        JsonObject stats;
        try {
            stats = JsonParser.parseString(r.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("balloon statistics: not a JSON object: " + brief(r.body()));
        }
        return new Balloon(
                required(stats, "target_pages") * BALLOON_PAGE_BYTES,
                required(stats, "actual_pages") * BALLOON_PAGE_BYTES,
                optional(stats, "free_memory"),
                optional(stats, "total_memory"),
                optional(stats, "available_memory"));
    }

    private static long required(JsonObject o, String name) throws IOException {
        long v = optional(o, name);
        if (v == HostReading.ABSENT) {
            throw new IOException("balloon statistics: no " + name);
        }
        return v;
    }

    private static long optional(JsonObject o, String name) throws IOException {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return HostReading.ABSENT;
        }
        try {
            long v = e.getAsLong();
            if (v < 0) {
                throw new IOException("balloon statistics: negative " + name);
            }
            return v;
        } catch (RuntimeException bad) {
            throw new IOException("balloon statistics: " + name + " is not a number");
        }
    }

    static String brief(String body) {
        return body.length() > 80 ? body.substring(0, 80) + "..." : body;
    }
}
