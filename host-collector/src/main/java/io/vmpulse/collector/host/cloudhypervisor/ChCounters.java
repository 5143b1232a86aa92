package io.vmpulse.collector.host.cloudhypervisor;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vmpulse.collector.host.DeviceCounters;
import io.vmpulse.collector.host.uds.UnixHttpClient;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads Cloud Hypervisor's {@code GET /api/v1/vm.counters}: a map from device id to that device's
 * cumulative counters (vmm/src/api, and {@code counters()} of each device in virtio-devices/src): a
 * block device has {@code read_bytes}, {@code write_bytes}, {@code read_ops}, {@code write_ops}; a
 * net device has {@code rx_bytes}, {@code rx_frames}, {@code tx_bytes}, {@code tx_frames}, where rx
 * is what the device gave the guest.
 */
public final class ChCounters {

    private final UnixHttpClient http;
    private final List<String> driveIds;

    /**
     * @param driveIds device ids of the drives to count; empty counts every block device
     */
    public ChCounters(UnixHttpClient http, List<String> driveIds) {
        this.http = http;
        this.driveIds = List.copyOf(driveIds);
    }

    /**
     * Asks for the counters now and returns them per device (each id is a key of one JSON object,
     * so each is seen once) and summed by kind, in a new object (it may be read on another thread).
     */
    public DeviceCounters poll() throws IOException {
        UnixHttpClient.Response r = http.request("GET", "/api/v1/vm.counters", null);
        if (!r.isSuccess()) {
            throw new IOException("vm.counters: HTTP " + r.status());
        }
        JsonObject devices;
        try {
            devices = JsonParser.parseString(r.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("vm.counters: not a JSON object");
        }
        DeviceCounters counters = new DeviceCounters();
        for (Map.Entry<String, JsonElement> device : devices.entrySet()) {
            if (!device.getValue().isJsonObject()) {
                throw new IOException("vm.counters: " + device.getKey() + " is not an object");
            }
            JsonObject c = device.getValue().getAsJsonObject();
            if (c.has("read_bytes") && (driveIds.isEmpty() || driveIds.contains(device.getKey()))) {
                DeviceCounters.Drive d = counters.drive(device.getKey());
                d.readBytes = number(c, "read_bytes");
                d.writeBytes = number(c, "write_bytes");
                d.readOps = number(c, "read_ops");
                d.writeOps = number(c, "write_ops");
                counters.hasBlock = true;
                counters.readBytes += d.readBytes;
                counters.writeBytes += d.writeBytes;
                counters.readOps += d.readOps;
                counters.writeOps += d.writeOps;
            } else if (c.has("rx_bytes")) {
                DeviceCounters.Nic n = counters.nic(device.getKey());
                n.rxBytes = number(c, "rx_bytes");
                n.txBytes = number(c, "tx_bytes");
                n.rxPackets = number(c, "rx_frames");
                n.txPackets = number(c, "tx_frames");
                counters.hasNet = true;
                counters.rxBytes += n.rxBytes;
                counters.txBytes += n.txBytes;
                counters.rxPackets += n.rxPackets;
                counters.txPackets += n.txPackets;
            }
        }
        return counters;
    }

    private static long number(JsonObject o, String name) throws IOException {
        JsonElement e = o.get(name);
        try {
            return e.getAsLong();
        } catch (RuntimeException bad) {
            throw new IOException("vm.counters: " + name + " missing or not a number");
        }
    }
}
