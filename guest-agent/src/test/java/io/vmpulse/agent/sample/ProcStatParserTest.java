package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProcStatParserTest {

    private final ProcStatParser parser = new ProcStatParser("fixture");
    private final CpuSnapshot cpu = new CpuSnapshot();

    @Test
    void four_columns_of_linux_2_4_leave_the_six_later_modes_at_zero() {
        parser.parse(Fixtures.text("stat-4-columns-linux-2.4"), cpu);

        assertEquals(4, cpu.columns);
        assertArrayEquals(
                new long[] {10132153, 290696, 3084719, 46828483, 0, 0, 0, 0, 0, 0}, cpu.totalTicks);
        assertEquals(2, cpu.cpuLines);
        assertArrayEquals(
                new long[] {5066077, 145348, 1542360, 23414242, 0, 0, 0, 0, 0, 0}, ticksOf(1));
        assertEquals(115315, cpu.contextSwitches);
        assertEquals(769041601, cpu.bootTimeSeconds);
        assertEquals(86031, cpu.forks);
        assertEquals(0, cpu.procsRunning, "2.4 has no procs_running line");
    }

    @Test
    void seven_columns_of_linux_2_6_0_add_iowait_irq_softirq() {
        parser.parse(Fixtures.text("stat-7-columns-linux-2.6.0"), cpu);

        assertEquals(7, cpu.columns);
        assertArrayEquals(
                new long[] {2255, 34, 2290, 22625563, 6290, 127, 456, 0, 0, 0}, cpu.totalTicks);
        assertArrayEquals(
                new long[] {1132, 34, 1441, 11311718, 3675, 127, 438, 0, 0, 0}, ticksOf(0));
        assertEquals(1, cpu.procsRunning);
        assertEquals(0, cpu.procsBlocked);
    }

    @Test
    void eight_columns_of_linux_2_6_11_add_steal() {
        parser.parse(Fixtures.text("stat-8-columns-linux-2.6.11"), cpu);

        assertEquals(8, cpu.columns);
        assertEquals(17, cpu.totalTicks[CpuSnapshot.STEAL]);
        assertEquals(8, cpu.ticks(1, CpuSnapshot.STEAL));
        assertEquals(0, cpu.totalTicks[CpuSnapshot.GUEST]);
        assertEquals(3, cpu.procsRunning);
        assertEquals(2, cpu.procsBlocked);
    }

    @Test
    void ten_columns_with_an_offline_cpu_keep_the_real_cpu_numbers() {
        parser.parse(Fixtures.text("stat-10-columns-cpu2-offline"), cpu);

        assertEquals(10, cpu.columns);
        assertEquals(3, cpu.cpuLines);
        assertEquals(3, cpu.cpuCount);
        assertArrayEquals(new int[] {0, 1, 3}, Arrays.copyOf(cpu.cpuIds, cpu.cpuCount));
        assertArrayEquals(
                new long[] {20000, 40, 6000, 1500000, 1100, 0, 200, 150, 2000, 20}, ticksOf(2));
        assertArrayEquals(
                new long[] {79800, 120, 23100, 4500000, 3300, 0, 910, 450, 6000, 60},
                cpu.totalTicks);
        assertEquals(17455326, cpu.contextSwitches);
        assertEquals(1763824410, cpu.bootTimeSeconds);
        assertEquals(61234, cpu.forks);
    }

    @Test
    void a_reparse_forgets_cpus_that_went_offline_since_the_previous_read() {
        parser.parse(Fixtures.text("stat-10-columns-cpu2-offline"), cpu);
        parser.parse(Fixtures.text("stat-7-columns-linux-2.6.0"), cpu);

        assertEquals(2, cpu.cpuCount);
        assertEquals(7, cpu.columns);
        assertEquals(
                0, cpu.totalTicks[CpuSnapshot.GUEST], "stale guest ticks from the previous read");
    }

    @Test
    void values_beyond_the_tenth_from_a_newer_kernel_are_ignored() {
        parser.parse(text("cpu  1 2 3 4 5 6 7 8 9 10 11\ncpu0 1 2 3 4 5 6 7 8 9 10 11\n"), cpu);

        assertEquals(10, cpu.columns);
        assertEquals(10, cpu.totalTicks[CpuSnapshot.GUEST_NICE]);
    }

    @Test
    void unknown_lines_are_skipped_even_when_they_start_with_cpu() {
        parser.parse(
                text("cpufreq 5 6\ncpu  1 2 3 4\nnewthing x y z\ncpu0 1 2 3 4\nctxt 7\n"), cpu);

        assertEquals(1, cpu.totalTicks[CpuSnapshot.USER]);
        assertEquals(1, cpu.cpuLines);
        assertEquals(7, cpu.contextSwitches);
    }

    @Test
    void counters_above_two_to_the_63_are_read_as_unsigned() {
        parser.parse(text("cpu  18446744073709551615 0 0 0\nctxt 18446744073709551614\n"), cpu);

        assertEquals(-1L, cpu.totalTicks[CpuSnapshot.USER]);
        assertEquals(-2L, cpu.contextSwitches);
    }

    @Test
    void a_cpu_line_with_three_values_is_rejected_naming_the_line() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parser.parse(text("cpu  1 2 3 4\ncpu0 1 2 3\n"), cpu));

        assertTrue(e.getMessage().contains("fixture"), e.getMessage());
        assertTrue(e.getMessage().contains("\"cpu0 1 2 3\""), e.getMessage());
        assertTrue(e.getMessage().contains("3 values"), e.getMessage());
    }

    @Test
    void a_word_where_a_number_belongs_is_rejected_with_its_column() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class, () -> parser.parse(text("cpu  1 2 x 4\n"), cpu));

        assertTrue(e.getMessage().contains("expected a number at column 10"), e.getMessage());
    }

    @Test
    void a_number_beyond_64_bits_is_rejected() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parser.parse(text("cpu  18446744073709551616 0 0 0\n"), cpu));

        assertTrue(e.getMessage().contains("larger than 2^64-1"), e.getMessage());
    }

    @Test
    void a_file_without_the_aggregate_cpu_line_is_rejected() {
        ProcFormatException e =
                assertThrows(
                        ProcFormatException.class,
                        () -> parser.parse(text("cpu0 1 2 3 4\nctxt 5\n"), cpu));

        assertTrue(e.getMessage().contains("no aggregate \"cpu\" line"), e.getMessage());
    }

    @Test
    void more_cpus_than_the_cap_are_counted_but_not_kept() {
        StringBuilder s = new StringBuilder("cpu  1 1 1 1\n");
        for (int i = 0; i < CpuSnapshot.MAX_CPUS + 5; i++) {
            s.append("cpu").append(i).append(" 1 2 3 ").append(i).append('\n');
        }
        parser.parse(text(s.toString()), cpu);

        assertEquals(CpuSnapshot.MAX_CPUS + 5, cpu.cpuLines);
        assertEquals(CpuSnapshot.MAX_CPUS, cpu.cpuCount);
        assertEquals(
                CpuSnapshot.MAX_CPUS - 1, cpu.ticks(CpuSnapshot.MAX_CPUS - 1, CpuSnapshot.IDLE));
    }

    private long[] ticksOf(int cpuIndex) {
        return Arrays.copyOfRange(
                cpu.cpuTicks, cpuIndex * CpuSnapshot.MODES, (cpuIndex + 1) * CpuSnapshot.MODES);
    }

    private static java.nio.ByteBuffer text(String s) {
        return Fixtures.text(s.getBytes(StandardCharsets.US_ASCII));
    }
}
