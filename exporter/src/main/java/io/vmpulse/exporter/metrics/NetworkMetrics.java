package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The VM's network interfaces, counted on the host (TAP device or VMM counters) but named from the
 * <b>guest's</b> side, as node_exporter inside the guest would name them: receive is what the guest
 * received (the TAP's transmit). Per interface ({@code interface} = host TAP name or VMM iface id)
 * where the registry lists them (ABI 1.3), otherwise the VM's totals.
 */
final class NetworkMetrics implements VmMetricGroup {

    private static final String[] REGISTRY = {
        "rx_bytes",
        "tx_bytes",
        "rx_packets",
        "tx_packets",
        "rx_drops",
        "tx_drops",
        "rx_errors",
        "tx_errors"
    };
    private static final long[] NEEDS = {
        0,
        0,
        0,
        0,
        RecordFlags.PRESENT_HOST_NET_DROPS,
        RecordFlags.PRESENT_HOST_NET_DROPS,
        RecordFlags.PRESENT_HOST_NET_ERRORS,
        RecordFlags.PRESENT_HOST_NET_ERRORS
    };

    private final Family[] families = {
        Family.counter(
                "vmpulse_network_receive_bytes",
                "Bytes the guest received on its network interface.",
                Unit.BYTES),
        Family.counter(
                "vmpulse_network_transmit_bytes",
                "Bytes the guest transmitted on its network interface.",
                Unit.BYTES),
        Family.counter("vmpulse_network_receive_packets", "Packets the guest received.", null),
        Family.counter("vmpulse_network_transmit_packets", "Packets the guest transmitted.", null),
        Family.counter(
                "vmpulse_network_receive_drop",
                "Packets for the guest dropped on the host side (TAP counters only).",
                null),
        Family.counter(
                "vmpulse_network_transmit_drop",
                "Packets from the guest dropped on the host side (TAP counters only).",
                null),
        Family.counter(
                "vmpulse_network_receive_errs", "Receive errors on the guest's interface.", null),
        Family.counter(
                "vmpulse_network_transmit_errs", "Transmit errors on the guest's interface.", null),
    };
    private final Family omitted =
            Family.gauge(
                    "vmpulse_network_interfaces_omitted",
                    "Network interfaces beyond the registry's per-interface list, not exported per interface.");

    private final RecordField[] total = new RecordField[REGISTRY.length];
    private final RecordField[] each = new RecordField[REGISTRY.length];
    private final RecordField count;
    private final RecordField omittedCount;
    private final RecordField name;

    NetworkMetrics(Scrape s) {
        for (int i = 0; i < REGISTRY.length; i++) {
            total[i] = s.field("net_" + REGISTRY[i]);
            each[i] = s.field("nic." + REGISTRY[i]);
        }
        count = s.field("nic_count");
        omittedCount = s.field("nic_omitted");
        name = s.field("nic.name");
    }

    @Override
    public void collect(ScrapedVm vm, Labels vmLabels) {
        if (!vm.present(RecordFlags.PRESENT_HOST_NET)) {
            return;
        }
        int listed =
                count == null || name == null ? 0 : (int) Math.min(vm.u32(count), name.count());
        if (listed == 0) {
            add(vm, vmLabels, total, 0);
            return;
        }
        if (omittedCount != null) {
            omitted.add(vmLabels, vm.u32(omittedCount));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < listed; i++) {
            String iface = LabelValues.clean(vm.text(name, i));
            if (seen.add(iface)) {
                add(vm, vmLabels.add("interface", iface), each, i);
            }
        }
    }

    private void add(ScrapedVm vm, Labels l, RecordField[] f, int i) {
        for (int k = 0; k < f.length; k++) {
            if (f[k] != null && (NEEDS[k] == 0 || vm.present(NEEDS[k]))) {
                families[k].add(l, Values.unsigned(vm.u64(f[k], i)));
            }
        }
    }

    @Override
    public List<Family> families() {
        return List.of(
                families[0],
                families[1],
                families[2],
                families[3],
                families[4],
                families[5],
                families[6],
                families[7],
                omitted);
    }
}
