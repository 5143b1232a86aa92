package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.exporter.scrape.ScrapedVm;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.List;

/**
 * Whether each half of a VM's record is current: {@code vmpulse_vm_up{source}} is what alerts and
 * dashboards key on, the rest says why it is 0.
 *
 * <p>A half is up while the VM is live, the collector's heartbeat is fresh (a dead collector's
 * flags are frozen, so they prove nothing), and: for the guest, a guest sample has arrived and the
 * collector does not flag it stale; for the host, a host reading is younger than the staleness
 * limit.
 */
final class VmFreshnessMetrics implements VmMetricGroup {

    private record HostSource(String name, long failingFlag) {}

    private static final List<HostSource> HOST_SOURCES =
            List.of(
                    new HostSource("vcpu", RecordFlags.FLAG_VCPU_FAILING),
                    new HostSource("process", RecordFlags.FLAG_PROCESS_FAILING),
                    new HostSource("cgroup", RecordFlags.FLAG_CGROUP_FAILING),
                    new HostSource("block", RecordFlags.FLAG_BLOCK_FAILING),
                    new HostSource("network", RecordFlags.FLAG_NET_FAILING),
                    new HostSource("balloon", RecordFlags.FLAG_BALLOON_FAILING));

    private final RecordField guestUnix;
    private final RecordField guestMono;
    private final RecordField hostUnix;
    private final RecordField hostMono;
    private final boolean collectorFresh;
    private final long nowMono;
    private final long staleAfterNanos;

    VmFreshnessMetrics(Scrape s, ExportOptions options) {
        guestUnix = s.field("last_guest_unix_ns");
        guestMono = s.field("last_guest_mono_ns");
        hostUnix = s.field("last_host_unix_ns");
        hostMono = s.field("last_host_mono_ns");
        staleAfterNanos = options.staleAfter().toNanos();
        nowMono = s.nowMonoNanos();
        collectorFresh = s.collectorFresh(options.staleAfter());
    }

    @Override
    public List<Family> families() {
        return List.of(
                Family.gauge(
                        "vmpulse_vm_up",
                        "1 while that half of the VM's record (source guest or host) is fresh.",
                        this::up),
                Family.gauge(
                        "vmpulse_vm_last_sample_timestamp_seconds",
                        "When the collector last received a guest sample (source=guest) or read the host side (source=host), seconds since the Unix epoch by the host's clock.",
                        Unit.SECONDS,
                        (vm, out) -> {
                            timestamp(vm, out, "guest", guestUnix);
                            timestamp(vm, out, "host", hostUnix);
                        }),
                Family.gauge(
                        "vmpulse_vm_guest_connected",
                        "1 while the guest agent's stream to the collector is connected.",
                        (vm, out) -> out.add(flag(vm, RecordFlags.FLAG_GUEST_CONNECTED))),
                Family.gauge(
                        "vmpulse_vm_final",
                        "1 when the VM is gone and this is its last record, kept for a grace period.",
                        (vm, out) -> out.add(vm.isFinal() ? 1 : 0)),
                Family.gauge(
                        "vmpulse_vm_source_failing",
                        "1 when the collector's last reading of that host-side source failed.",
                        (vm, out) -> {
                            for (HostSource src : HOST_SOURCES) {
                                out.add("source", src.name, flag(vm, src.failingFlag));
                            }
                        }));
    }

    private void up(ScrapedVm vm, Points out) {
        long flags = vm.flags();
        boolean live = !vm.isFinal() && collectorFresh;
        long lastGuest = vm.u64(guestMono);
        long lastHost = vm.u64(hostMono);
        boolean guestUp = live && lastGuest != 0 && (flags & RecordFlags.FLAG_GUEST_STALE) == 0;
        boolean hostUp = live && lastHost != 0 && nowMono - lastHost <= staleAfterNanos;
        out.add("source", "guest", guestUp ? 1 : 0);
        out.add("source", "host", hostUp ? 1 : 0);
    }

    private static int flag(ScrapedVm vm, long bit) {
        return (vm.flags() & bit) != 0 ? 1 : 0;
    }

    private static void timestamp(ScrapedVm vm, Points out, String source, RecordField f) {
        long unixNanos = vm.u64(f);
        if (unixNanos != 0) { // 0: never
            out.add("source", source, unixNanos / 1e9);
        }
    }
}
