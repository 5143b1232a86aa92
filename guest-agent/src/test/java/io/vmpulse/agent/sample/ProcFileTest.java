package io.vmpulse.agent.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProcFileTest {

    @Test
    void pread_at_offset_zero_on_the_same_fd_regenerates_proc_stat_after_cpu_work() {
        try (ProcFile stat = new ProcFile(Path.of("/proc/stat"), 4096)) {
            ProcStatParser parser = new ProcStatParser("/proc/stat");
            CpuSnapshot before = new CpuSnapshot();
            CpuSnapshot after = new CpuSnapshot();
            stat.read();
            byte[] first = copy(stat.content());
            parser.parse(stat.content(), before);

            long busyTicksBefore =
                    before.totalTicks[CpuSnapshot.USER] + before.totalTicks[CpuSnapshot.SYSTEM];
            long busyTicksAfter;
            long sink = 0;
            do {
                for (int i = 0; i < 10_000_000; i++) {
                    sink += i * 31L ^ sink;
                }
                stat.read();
                parser.parse(stat.content(), after);
                busyTicksAfter =
                        after.totalTicks[CpuSnapshot.USER] + after.totalTicks[CpuSnapshot.SYSTEM];
            } while (busyTicksAfter <= busyTicksBefore + 2);

            assertTrue(sink != 1, "keep the work");
            assertTrue(
                    !ByteBuffer.wrap(first).equals(stat.content()),
                    "second read shows new content");
            assertTrue(after.contextSwitches >= before.contextSwitches);
        }
    }

    @Test
    void a_small_buffer_grows_and_short_reads_of_a_seq_file_are_continued() throws Exception {
        byte[] expected = Files.readAllBytes(Path.of("/proc/self/mountinfo"));
        try (ProcFile mountinfo = new ProcFile(Path.of("/proc/self/mountinfo"), 16)) {
            int length = mountinfo.read();

            assertEquals(expected.length, length);
            assertArrayEquals(expected, copy(mountinfo.content()));
            assertTrue(mountinfo.capacity() > expected.length);
        }
    }

    @Test
    void a_file_that_cannot_be_opened_is_named_in_the_error() {
        Exception e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        java.io.UncheckedIOException.class,
                        () -> new ProcFile(Path.of("/proc/vmpulse-no-such-file"), 16));
        assertTrue(e.getMessage().contains("/proc/vmpulse-no-such-file"), e.getMessage());
    }

    private static byte[] copy(ByteBuffer content) {
        byte[] b = new byte[content.limit()];
        content.get(0, b);
        return b;
    }
}
