package io.vmpulse.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * SampleJson against JsonFormat, for the same bytes: same text, and JsonFormat parses it back to
 * the same Sample.
 */
class SampleJsonTest {

    @Test
    void a_reading_of_this_machine_prints_as_json_format_prints_it() throws Exception {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            SampleBuffer buffer = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), 1000, buffer);
            assertPrintsAsJsonFormat(buffer);
        }
    }

    @Test
    void truncated_bytes_and_invalid_utf8_are_reported_as_a_malformed_sample() throws Exception {
        SampleBuffer buffer = new SampleBuffer();
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            new SampleEncoder().encode(1, sampler.read(), 1000, buffer);
        }
        MalformedMessageException truncated =
                assertThrows(
                        MalformedMessageException.class,
                        () -> SampleJson.print(buffer.array(), 0, buffer.length() - 1));
        assertTrue(truncated.getMessage().startsWith("malformed Sample: "), truncated.getMessage());
        // Filesystem{mount_point = 0xFF}: not UTF-8.
        byte[] badString = {0x32, 0x03, 0x0A, 0x01, (byte) 0xFF};
        MalformedMessageException utf8 =
                assertThrows(
                        MalformedMessageException.class,
                        () -> SampleJson.print(badString, 0, badString.length));
        assertEquals("malformed Sample: a string field is not valid UTF-8", utf8.getMessage());
    }

    @Test
    void
            every_field_huge_values_empty_messages_and_hostile_strings_print_as_json_format_prints_them()
                    throws Exception {
        StringBuilder everyAscii = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            everyAscii.append(c);
        }
        CpuTimes all =
                CpuTimes.newBuilder()
                        .setUserNs(-1)
                        .setNiceNs(2)
                        .setSystemNs(3)
                        .setIdleNs(Long.MIN_VALUE)
                        .setIowaitNs(5)
                        .setIrqNs(6)
                        .setSoftirqNs(7)
                        .setStealNs(8)
                        .setGuestNs(9)
                        .setGuestNiceNs(10)
                        .build();
        Sample sample =
                Sample.newBuilder()
                        .setSeq(-1)
                        .setWallTimeUnixNs(-5)
                        .setMonotonicNs(Long.MAX_VALUE)
                        .setCpu(
                                Cpu.newBuilder()
                                        .setTotal(all)
                                        .addPerCpu(
                                                PerCpu.newBuilder()
                                                        .setTimes(CpuTimes.getDefaultInstance()))
                                        .addPerCpu(PerCpu.newBuilder().setCpu(-1).setTimes(all))
                                        .setOnlineCpus(2)
                                        .setColumns(10)
                                        .setContextSwitches(-2)
                                        .setForks(4)
                                        .setProcsRunning(-1)
                                        .setProcsBlocked(1)
                                        .setBootTimeUnixS(-7))
                        .setMemory(
                                Memory.newBuilder()
                                        .setTotalBytes(1)
                                        .setFreeBytes(2)
                                        .setAvailableBytes(3)
                                        .setAvailableDerived(true)
                                        .setBuffersBytes(5)
                                        .setCachedBytes(6)
                                        .setSreclaimableBytes(7)
                                        .setShmemBytes(8)
                                        .setSwapTotalBytes(9)
                                        .setSwapFreeBytes(10)
                                        .setDirtyBytes(11)
                                        .setWritebackBytes(12)
                                        .setHugepagesTotal(13)
                                        .setHugepagesFree(14)
                                        .setHugepageSizeBytes(-15)
                                        .setCommittedAsBytes(16))
                        .addFilesystems(
                                Filesystem.newBuilder()
                                        .setMountPoint(
                                                everyAscii
                                                        + "é\u2028\u2029\uD83D\uDE00\u00a0\ufeff")
                                        .setDevice("<dev>&'='")
                                        .setFsType("ext4")
                                        .setReadOnly(true)
                                        .setSizeBytes(1)
                                        .setFreeBytes(2)
                                        .setAvailableBytes(3)
                                        .setInodesTotal(4)
                                        .setInodesFree(-5)
                                        .setError("\"quoted\" \\ back"))
                        .addFilesystems(Filesystem.getDefaultInstance())
                        .setIntervalMs(-1)
                        .setDroppedBefore(3)
                        .build();
        assertPrintsAsJsonFormat(AgentMessagesTest.buffer(sample));
        assertPrintsAsJsonFormat(AgentMessagesTest.buffer(Sample.getDefaultInstance()));
    }

    private static void assertPrintsAsJsonFormat(SampleBuffer buffer) throws Exception {
        Sample decoded = Sample.parseFrom(ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
        String json = SampleJson.print(buffer);

        assertEquals(JsonFormat.printer().print(decoded), json);
        Sample.Builder parsed = Sample.newBuilder();
        JsonFormat.parser().merge(json, parsed);
        assertEquals(decoded, parsed.build());
    }
}
