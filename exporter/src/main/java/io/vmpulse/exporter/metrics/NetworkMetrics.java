package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's network interfaces, counted on the host (TAP device or VMM counters) but named from the
 * <b>guest's</b> side, as node_exporter inside the guest would name them: receive is what the guest
 * received (the TAP's transmit). Per interface ({@code interface} = host TAP name or VMM iface id)
 * where the registry lists them (ABI 1.3), otherwise the VM's totals.
 */
final class NetworkMetrics implements VmMetricGroup {

    private final DeviceList interfaces;

    NetworkMetrics(Scrape s) {
        interfaces = new DeviceList(s, "nic", "net_", "interface", RecordFlags.PRESENT_HOST_NET);
    }

    @Override
    public List<Family> families() {
        long drops = RecordFlags.PRESENT_HOST_NET_DROPS;
        long errors = RecordFlags.PRESENT_HOST_NET_ERRORS;
        return List.of(
                interfaces.counter(
                        "vmpulse_network_receive_bytes",
                        "Bytes the guest received on its network interface.",
                        Unit.BYTES,
                        "rx_bytes",
                        0),
                interfaces.counter(
                        "vmpulse_network_transmit_bytes",
                        "Bytes the guest transmitted on its network interface.",
                        Unit.BYTES,
                        "tx_bytes",
                        0),
                interfaces.counter(
                        "vmpulse_network_receive_packets",
                        "Packets the guest received.",
                        null,
                        "rx_packets",
                        0),
                interfaces.counter(
                        "vmpulse_network_transmit_packets",
                        "Packets the guest transmitted.",
                        null,
                        "tx_packets",
                        0),
                interfaces.counter(
                        "vmpulse_network_receive_drop",
                        "Packets for the guest dropped on the host side (TAP counters only).",
                        null,
                        "rx_drops",
                        drops),
                interfaces.counter(
                        "vmpulse_network_transmit_drop",
                        "Packets from the guest dropped on the host side (TAP counters only).",
                        null,
                        "tx_drops",
                        drops),
                interfaces.counter(
                        "vmpulse_network_receive_errs",
                        "Receive errors on the guest's interface.",
                        null,
                        "rx_errors",
                        errors),
                interfaces.counter(
                        "vmpulse_network_transmit_errs",
                        "Transmit errors on the guest's interface.",
                        null,
                        "tx_errors",
                        errors),
                interfaces.omitted(
                        "vmpulse_network_interfaces_omitted",
                        "Network interfaces beyond the registry's per-interface list, not exported per interface."));
    }
}
