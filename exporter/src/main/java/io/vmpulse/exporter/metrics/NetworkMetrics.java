package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * The VM's network interfaces, counted on the host (TAP device or VMM counters) but named from the
 * <b>guest's</b> side, as node_exporter inside the guest would name them: receive is what the guest
 * received (the TAP's transmit). Per interface ({@code interface} = host TAP name or VMM iface id)
 * where the registry lists them (ABI 1.3), otherwise the VM's totals.
 */
final class NetworkMetrics implements VmMetricGroup {

    private final Scrape scrape;
    private final DeviceList interfaces;
    private final RecordField omittedCount;

    NetworkMetrics(Scrape s) {
        scrape = s;
        interfaces = new DeviceList(s.field("nic_count"), s.field("nic.name"));
        omittedCount = s.field("nic_omitted");
    }

    @Override
    public List<Family> families() {
        long drops = RecordFlags.PRESENT_HOST_NET_DROPS;
        long errors = RecordFlags.PRESENT_HOST_NET_ERRORS;
        return List.of(
                counter(
                        "vmpulse_network_receive_bytes",
                        "Bytes the guest received on its network interface.",
                        Unit.BYTES,
                        "rx_bytes",
                        0),
                counter(
                        "vmpulse_network_transmit_bytes",
                        "Bytes the guest transmitted on its network interface.",
                        Unit.BYTES,
                        "tx_bytes",
                        0),
                counter(
                        "vmpulse_network_receive_packets",
                        "Packets the guest received.",
                        null,
                        "rx_packets",
                        0),
                counter(
                        "vmpulse_network_transmit_packets",
                        "Packets the guest transmitted.",
                        null,
                        "tx_packets",
                        0),
                counter(
                        "vmpulse_network_receive_drop",
                        "Packets for the guest dropped on the host side (TAP counters only).",
                        null,
                        "rx_drops",
                        drops),
                counter(
                        "vmpulse_network_transmit_drop",
                        "Packets from the guest dropped on the host side (TAP counters only).",
                        null,
                        "tx_drops",
                        drops),
                counter(
                        "vmpulse_network_receive_errs",
                        "Receive errors on the guest's interface.",
                        null,
                        "rx_errors",
                        errors),
                counter(
                        "vmpulse_network_transmit_errs",
                        "Transmit errors on the guest's interface.",
                        null,
                        "tx_errors",
                        errors),
                Family.gauge(
                        "vmpulse_network_interfaces_omitted",
                        "Network interfaces beyond the registry's per-interface list, not exported per interface.",
                        (vm, out) -> {
                            if (vm.present(RecordFlags.PRESENT_HOST_NET)
                                    && interfaces.listed(vm) > 0
                                    && omittedCount != null) {
                                out.add(vm.u32(omittedCount));
                            }
                        }));
    }

    /** {@code field}: the registry's name after {@code net_} (totals) or {@code nic.}. */
    private Family counter(String name, String help, Unit unit, String field, long needs) {
        RecordField total = scrape.field("net_" + field);
        RecordField each = scrape.field("nic." + field);
        return Family.counter(name, help, unit, (vm, out) -> points(vm, out, total, each, needs));
    }

    private void points(ScrapedVm vm, Points out, RecordField total, RecordField each, long needs) {
        if (!vm.present(RecordFlags.PRESENT_HOST_NET | needs)) {
            return;
        }
        int listed = interfaces.listed(vm);
        if (listed == 0) {
            if (total != null) {
                out.add(Values.unsigned(vm.u64(total)));
            }
            return;
        }
        for (int i = 0; i < listed && each != null; i++) {
            String iface = interfaces.label(vm, i);
            if (interfaces.firstOf(vm, iface, i)) {
                out.add("interface", iface, Values.unsigned(vm.u64(each, i)));
            }
        }
    }
}
