package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Unit;
import io.vmpulse.exporter.scrape.Scrape;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFlags;
import java.util.ArrayList;
import java.util.List;

/** The guest's {@code /proc/meminfo}: one gauge per field the registry carries. */
final class GuestMemoryMetrics implements VmMetricGroup {

    /** Registry field, metric name, help (the meminfo line it comes from), unit. */
    private record Source(String field, String metric, String help, Unit unit) {}

    private static final List<Source> SOURCES =
            List.of(
                    bytes("mem_total_bytes", "total", "MemTotal"),
                    bytes("mem_free_bytes", "free", "MemFree"),
                    bytes(
                            "mem_available_bytes",
                            "available",
                            "MemAvailable (estimated by the agent on kernels without it)"),
                    bytes("mem_buffers_bytes", "buffers", "Buffers"),
                    bytes("mem_cached_bytes", "cached", "Cached"),
                    bytes("mem_sreclaimable_bytes", "sreclaimable", "SReclaimable"),
                    bytes("mem_shmem_bytes", "shmem", "Shmem"),
                    bytes("swap_total_bytes", "swap_total", "SwapTotal"),
                    bytes("swap_free_bytes", "swap_free", "SwapFree"),
                    bytes("mem_dirty_bytes", "dirty", "Dirty"),
                    bytes("mem_writeback_bytes", "writeback", "Writeback"),
                    bytes("mem_committed_as_bytes", "committed_as", "Committed_AS"),
                    new Source(
                            "hugepages_total",
                            "vmpulse_guest_memory_huge_pages",
                            "Huge pages in the guest's pool (guest /proc/meminfo HugePages_Total).",
                            null),
                    new Source(
                            "hugepages_free",
                            "vmpulse_guest_memory_huge_pages_free",
                            "Huge pages not yet allocated in the guest (guest /proc/meminfo HugePages_Free).",
                            null),
                    new Source(
                            "hugepage_size_bytes",
                            "vmpulse_guest_memory_huge_page_size_bytes",
                            "Size of one huge page in the guest (guest /proc/meminfo Hugepagesize).",
                            Unit.BYTES));

    private final List<Family> families = new ArrayList<>();

    GuestMemoryMetrics(Scrape s) {
        for (Source src : SOURCES) {
            RecordField f = s.field(src.field);
            if (f != null) {
                families.add(
                        Family.gauge(
                                src.metric,
                                src.help,
                                src.unit,
                                (vm, out) -> {
                                    if (vm.present(RecordFlags.PRESENT_GUEST_MEMORY)) {
                                        out.add(Values.unsigned(vm.u64(f)));
                                    }
                                }));
            }
        }
    }

    private static Source bytes(String field, String name, String meminfo) {
        return new Source(
                field,
                "vmpulse_guest_memory_" + name + "_bytes",
                "Guest /proc/meminfo " + meminfo + ", in bytes.",
                Unit.BYTES);
    }

    @Override
    public List<Family> families() {
        return families;
    }
}
