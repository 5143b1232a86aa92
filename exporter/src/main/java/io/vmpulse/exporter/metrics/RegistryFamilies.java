package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.Scrape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Every metric family of one scrape of the registry, in name order (as the library sorts). */
public final class RegistryFamilies {

    private RegistryFamilies() {}

    public static List<Family> of(Scrape s, ExportOptions options) {
        List<Family> families = new ArrayList<>(RegistryHealthMetrics.families(s));
        if (s.open()) {
            List<VmMetricGroup> groups =
                    List.of(
                            new VmFreshnessMetrics(s, options),
                            new VmIdentityMetrics(s, options),
                            new VmIngestMetrics(s),
                            new GuestCpuMetrics(s),
                            new GuestSystemMetrics(s),
                            new GuestMemoryMetrics(s),
                            new GuestFilesystemMetrics(s),
                            new VcpuMetrics(s),
                            new VmmProcessMetrics(s),
                            new CgroupMetrics(s),
                            new BlockMetrics(s),
                            new NetworkMetrics(s),
                            new BalloonMetrics(s));
            for (VmMetricGroup g : groups) {
                families.addAll(g.families());
            }
        }
        families.sort(Comparator.comparing(Family::name));
        return families;
    }

    /**
     * Walks {@code f} over the scrape: once per VM, in the scrape's order, or once without a VM for
     * a family of the registry itself.
     */
    public static void walk(Family f, Scrape s, VmPoints out) {
        if (!f.perVm()) {
            out.vm(-1, null);
            f.emit(null, out);
            return;
        }
        for (int i = 0; i < s.vms().size(); i++) {
            out.vm(i, s.vms().get(i));
            f.emit(s.vms().get(i), out);
        }
    }
}
