package io.vmpulse.exporter.otlp;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.opentelemetry.api.common.Attributes;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;

/**
 * The guest's /proc/meminfo. {@code used} is MemTotal - MemAvailable, as the conventions define it
 * on Linux; a guest whose MemAvailable exceeds MemTotal (containers do that) gets no {@code used}
 * point rather than a negative or invented one. Likewise swap used.
 */
final class GuestMemoryMapping {

    private static final Attributes USED = Attributes.of(Keys.MEMORY_STATE, "used");
    private static final Attributes FREE = Attributes.of(Keys.MEMORY_STATE, "free");
    private static final Attributes BUFFERS = Attributes.of(Keys.MEMORY_STATE, "buffers");
    private static final Attributes CACHED = Attributes.of(Keys.MEMORY_STATE, "cached");
    private static final Attributes SLAB_RECLAIMABLE =
            Attributes.of(Keys.SLAB_STATE, "reclaimable");
    private static final Attributes SWAP_USED = Attributes.of(Keys.PAGING_STATE, "used");
    private static final Attributes SWAP_FREE = Attributes.of(Keys.PAGING_STATE, "free");

    private GuestMemoryMapping() {}

    static void map(VmRecord r, NamedFields f, VmPoints p) {
        if (!r.isPresent(RecordFlags.PRESENT_GUEST_MEMORY)) {
            return;
        }
        Attributes none = Attributes.empty();
        long total = r.getLong(MEM_TOTAL_BYTES);
        long available = r.getLong(MEM_AVAILABLE_BYTES);
        if (total >= 0 && available >= 0 && available <= total) {
            p.addLong(OtlpMetric.SYSTEM_MEMORY_USAGE, USED, total - available);
        }
        p.addLong(OtlpMetric.SYSTEM_MEMORY_USAGE, FREE, r.getLong(MEM_FREE_BYTES));
        p.addLong(OtlpMetric.SYSTEM_MEMORY_USAGE, BUFFERS, r.getLong(MEM_BUFFERS_BYTES));
        p.addLong(OtlpMetric.SYSTEM_MEMORY_USAGE, CACHED, r.getLong(MEM_CACHED_BYTES));
        p.addLong(OtlpMetric.SYSTEM_MEMORY_LIMIT, none, total);
        p.addLong(OtlpMetric.SYSTEM_MEMORY_SHARED, none, r.getLong(MEM_SHMEM_BYTES));
        p.addLong(OtlpMetric.SYSTEM_MEMORY_LINUX_AVAILABLE, none, available);
        p.addLong(
                OtlpMetric.SYSTEM_MEMORY_LINUX_SLAB_USAGE,
                SLAB_RECLAIMABLE,
                r.getLong(MEM_SRECLAIMABLE_BYTES));

        long swapTotal = r.getLong(SWAP_TOTAL_BYTES);
        long swapFree = r.getLong(SWAP_FREE_BYTES);
        if (swapTotal >= 0 && swapFree >= 0 && swapFree <= swapTotal) {
            p.addLong(OtlpMetric.SYSTEM_PAGING_USAGE, SWAP_USED, swapTotal - swapFree);
        }
        p.addLong(OtlpMetric.SYSTEM_PAGING_USAGE, SWAP_FREE, swapFree);

        p.addLong(OtlpMetric.GUEST_MEMORY_DIRTY, none, r.getLong(MEM_DIRTY_BYTES));
        p.addLong(OtlpMetric.GUEST_MEMORY_WRITEBACK, none, r.getLong(MEM_WRITEBACK_BYTES));
        if (f.memCommitted != null) {
            p.addLong(OtlpMetric.GUEST_MEMORY_COMMITTED, none, r.getLong(f.memCommitted));
        }
        p.addLong(OtlpMetric.GUEST_HUGEPAGES_LIMIT, none, r.getLong(HUGEPAGES_TOTAL));
        p.addLong(OtlpMetric.GUEST_HUGEPAGES_FREE, none, r.getLong(HUGEPAGES_FREE));
        p.addLong(OtlpMetric.GUEST_HUGEPAGE_SIZE, none, r.getLong(HUGEPAGE_SIZE_BYTES));
    }
}
