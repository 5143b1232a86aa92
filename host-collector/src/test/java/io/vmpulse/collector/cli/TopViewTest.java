package io.vmpulse.collector.cli;

import static io.vmpulse.registry.layout.RecordFields.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.collector.publish.RegistryOptions;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A frame of `top`, rendered from a real registry holding samples with known values. */
@Timeout(30)
class TopViewTest {

    private static final long NOW = 1_800_000_000_000_000_000L;

    @TempDir Path dir;

    @Test
    void each_column_shows_its_value_and_a_dash_where_the_source_is_absent() throws Exception {
        try (RegistryWriter w =
                        RegistryWriter.create(
                                new RegistryOptions(dir.resolve("registry"), 4, null));
                RegistryReader r = RegistryReader.open(w.path())) {
            w.publish(w.claim("web-1"), everything());
            w.publish(w.claim("stale-memory-only"), staleWithMemoryOnly());
            w.publish(w.claim("a-name-longer-than-twenty"), new VmRecord());

            String frame = TopView.render(r, r.newSnapshot(), NOW);

            assertEquals(
                    String.join(
                            "\n",
                            "VM                    GUEST%    VCPU%    MEM USED/TOTAL    FS%              DISK R/W             NET RX/TX     AGE",
                            "web-1                   12.3    150.0         1.5G/2.0G   82.0         1.0M/s/2.5K/s         100B/s/1.5K/s    2.5s",
                            "stale-memory-only          -        -       100.0M/1.0G      -                     -                     -  12.0s!",
                            "a-name-longer-than-~       -        -                 -      -                     -                     -   never",
                            ""),
                    frame);
        }
    }

    /** Every source present: one value per column, each picked to show its unit and rounding. */
    private static VmRecord everything() {
        VmRecord u = new VmRecord();
        u.setPresent(
                RecordFlags.PRESENT_GUEST_RATES
                        | RecordFlags.PRESENT_GUEST_MEMORY
                        | RecordFlags.PRESENT_GUEST_FS
                        | RecordFlags.PRESENT_HOST_RATES
                        | RecordFlags.PRESENT_HOST_VCPU
                        | RecordFlags.PRESENT_HOST_BLOCK
                        | RecordFlags.PRESENT_HOST_NET,
                true);
        u.putDouble(GUEST_CPU_BUSY_PCT, 12.34);
        u.putDouble(HOST_VCPU_PCT, 150.0);
        u.putLong(MEM_TOTAL_BYTES, 2L << 30);
        u.putLong(MEM_AVAILABLE_BYTES, 512L << 20);
        u.putDouble(FS_USED_MAX_PCT, 81.96);
        u.putDouble(DISK_READ_BYTES_PER_S, 1 << 20);
        u.putDouble(DISK_WRITE_BYTES_PER_S, 2560);
        u.putDouble(NET_RX_BYTES_PER_S, 100);
        u.putDouble(NET_TX_BYTES_PER_S, 1536);
        u.putLong(LAST_GUEST_UNIX_NS, NOW - 2_500_000_000L);
        return u;
    }

    /** Guest memory only, and a guest sample old enough to be flagged stale. */
    private static VmRecord staleWithMemoryOnly() {
        VmRecord u = new VmRecord();
        u.setPresent(RecordFlags.PRESENT_GUEST_MEMORY, true);
        u.putLong(MEM_TOTAL_BYTES, 1L << 30);
        u.putLong(MEM_AVAILABLE_BYTES, (1L << 30) - (100L << 20));
        u.setFlags(RecordFlags.FLAG_GUEST_STALE, true);
        u.putLong(LAST_GUEST_UNIX_NS, NOW - 12_000_000_000L);
        return u;
    }
}
