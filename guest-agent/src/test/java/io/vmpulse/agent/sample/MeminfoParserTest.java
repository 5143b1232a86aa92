package io.vmpulse.agent.sample;

import static io.vmpulse.agent.sample.MemSnapshot.Field.ACTIVE_FILE;
import static io.vmpulse.agent.sample.MemSnapshot.Field.HUGE_PAGES_FREE;
import static io.vmpulse.agent.sample.MemSnapshot.Field.HUGE_PAGES_TOTAL;
import static io.vmpulse.agent.sample.MemSnapshot.Field.HUGE_PAGE_SIZE;
import static io.vmpulse.agent.sample.MemSnapshot.Field.MEM_FREE;
import static io.vmpulse.agent.sample.MemSnapshot.Field.MEM_TOTAL;
import static io.vmpulse.agent.sample.MemSnapshot.Field.SHMEM;
import static io.vmpulse.agent.sample.MemSnapshot.Field.SWAP_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MeminfoParserTest {

    private static final long KIB = 1024;

    private final MeminfoParser parser = new MeminfoParser("fixture");
    private final MemSnapshot mem = new MemSnapshot();

    @Test
    void without_memavailable_the_estimate_is_derived_and_flagged() {
        parser.parse(Fixtures.text("meminfo-linux-2.6.32-no-memavailable"), mem);

        assertTrue(mem.availableDerived());
        // MemFree + Active(file) + Inactive(file) + SReclaimable of the fixture
        assertEquals((112636 + 648348 + 595072 + 176004) * KIB, mem.availableBytes());
        assertEquals(1922488 * KIB, mem.get(MEM_TOTAL));
        assertEquals(648348 * KIB, mem.get(ACTIVE_FILE), "Active(file) is not Active");
    }

    @Test
    void with_memavailable_the_kernel_value_is_used_as_is() {
        parser.parse(Fixtures.text("meminfo-linux-6.1"), mem);

        assertFalse(mem.availableDerived());
        assertEquals(6052148 * KIB, mem.availableBytes());
        assertEquals(1334712 * KIB, mem.get(MEM_FREE));
        assertEquals(20704 * KIB, mem.get(SHMEM));
        assertEquals(999420 * KIB, mem.get(SWAP_FREE));
        assertEquals(
                6392412 * KIB,
                mem.get(MemSnapshot.Field.COMMITTED_AS),
                "Committed_AS, as the fixture's line says");
    }

    @Test
    void huge_page_counts_are_counts_and_the_page_size_is_kib() {
        parser.parse(Fixtures.text("meminfo-linux-6.1"), mem);

        assertEquals(16, mem.get(HUGE_PAGES_TOTAL));
        assertEquals(12, mem.get(HUGE_PAGES_FREE));
        assertEquals(2048 * KIB, mem.get(HUGE_PAGE_SIZE));
    }

    @Test
    void fields_are_found_by_name_in_any_order() {
        parser.parse(
                text("Hugepagesize: 4 kB\nMemFree: 2 kB\nSomethingNew: 9 kB\nMemTotal: 3 kB\n"),
                mem);

        assertEquals(3 * KIB, mem.get(MEM_TOTAL));
        assertEquals(2 * KIB, mem.get(MEM_FREE));
        assertEquals(4 * KIB, mem.get(HUGE_PAGE_SIZE));
    }

    @Test
    void a_reparse_does_not_keep_memavailable_from_the_previous_read() {
        parser.parse(Fixtures.text("meminfo-linux-6.1"), mem);
        parser.parse(Fixtures.text("meminfo-linux-2.6.32-no-memavailable"), mem);

        assertTrue(mem.availableDerived());
    }

    @Test
    void a_unit_other_than_kb_is_rejected_naming_the_line() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parser.parse(text("MemTotal: 3 MB\nMemFree: 1 kB\n"), mem));

        assertTrue(e.getMessage().contains("unit is not kB"), e.getMessage());
        assertTrue(e.getMessage().contains("\"MemTotal: 3 MB\""), e.getMessage());
    }

    @Test
    void a_file_without_memtotal_is_rejected() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parser.parse(text("MemFree: 1 kB\n"), mem));

        assertTrue(e.getMessage().contains("no MemTotal line"), e.getMessage());
    }

    private static java.nio.ByteBuffer text(String s) {
        return Fixtures.text(s.getBytes(StandardCharsets.US_ASCII));
    }
}
