package io.vmpulse.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.vmpulse.agent.sample.Decoded;
import io.vmpulse.agent.sample.GuestReading;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.sample.TestReadings;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.Sample;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hand encoding against protobuf-java's own: parsed by the generated classes it must equal, and
 * byte for byte, the Sample built with the generated builders from the same reading.
 */
@Timeout(60)
class SampleEncoderTest {

    private static final long WALL_NS = 1_763_824_410_123_456_789L;
    private static final long MONO_NS = 987_654_321_012L;
    private static final String TWO_MOUNTS =
            "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
                    + "2 1 254:99 / /vmpulse-no-such-mount ro - ext4 /dev/vdz rw\n";

    @TempDir Path proc;

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({
        "stat-4-columns-linux-2.4, meminfo-linux-2.6.32-no-memavailable",
        "stat-7-columns-linux-2.6.0, meminfo-linux-2.6.32-no-memavailable",
        "stat-8-columns-linux-2.6.11, meminfo-linux-6.1",
        "stat-10-columns-cpu2-offline, meminfo-linux-6.1",
    })
    void a_fixture_reading_encodes_to_what_the_generated_builders_encode(
            String stat, String meminfo) throws Exception {
        try (ProcfsSampler sampler =
                fixtureSampler(
                        TestReadings.fixture(stat), TestReadings.fixture(meminfo), TWO_MOUNTS)) {
            assertEncodesLikeProtobuf(sampler.read(), 42, 1000);
        }
    }

    @Test
    void a_reading_of_this_machine_encodes_to_what_the_generated_builders_encode() {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            assertEncodesLikeProtobuf(sampler.read(), 1, 1000);
        }
    }

    @Test
    void encode_writes_the_reading_just_taken_with_its_timestamps_seq_and_interval() {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            SampleBuffer buffer = new SampleBuffer();
            GuestReading reading = sampler.read();
            new SampleEncoder().encode(7, reading, 250, buffer);
            Sample decoded = Decoded.parse(buffer);

            assertEquals(7, buffer.seq());
            assertTrue(
                    decoded.getWallTimeUnixNs() > 1_600_000_000_000_000_000L,
                    "wall clock of the reading");
            assertEquals(reading.monotonicNanos(), decoded.getMonotonicNs());
            assertEquals(TestReadings.expected(7, reading, 250), decoded);
        }
    }

    @Test
    void every_field_of_every_message_type_is_present_for_a_fully_populated_reading()
            throws Exception {
        try (ProcfsSampler sampler =
                fixtureSampler(
                        TestReadings.fixture("stat-10-columns-cpu2-offline"),
                        TestReadings.fixture("meminfo-linux-2.6.32-no-memavailable"),
                        TWO_MOUNTS)) {
            GuestReading reading = sampler.read();
            TestReadings.populate(reading, 3);
            SampleBuffer buffer = encode(reading, 5, 1000);
            byte[] message = new byte[AgentMessages.maxSampleLength(buffer)];
            int length = AgentMessages.writeSample(buffer, buffer.seq(), 2, message, 0);
            Sample sample = AgentMessage.parseFrom(ByteBuffer.wrap(message, 0, length)).getSample();

            Map<Descriptor, List<Message>> instances = new HashMap<>();
            collect(sample, instances);
            List<String> missing = new ArrayList<>();
            checkPresent(Sample.getDescriptor(), instances, new HashSet<>(), missing);
            assertEquals(List.of(), missing, "fields absent from every instance of their message");
        }
    }

    @Test
    void uint64_above_long_max_and_uint32_above_int_max_are_read_back_unsigned() throws Exception {
        try (ProcfsSampler sampler =
                fixtureSampler(
                        TestReadings.fixture("stat-10-columns-cpu2-offline"),
                        TestReadings.fixture("meminfo-linux-6.1"),
                        TWO_MOUNTS)) {
            GuestReading reading = sampler.read();
            TestReadings.setUnsignedExtremes(reading);
            Sample sample = assertEncodesLikeProtobuf(reading, -1L, -1);

            assertEquals("18446744073709551615", Long.toUnsignedString(sample.getSeq()));
            assertEquals(4_294_967_295L, Integer.toUnsignedLong(sample.getIntervalMs()));
            assertEquals(
                    "18446744073709551615",
                    Long.toUnsignedString(sample.getCpu().getContextSwitches()));
            assertEquals("9223372036854775808", Long.toUnsignedString(sample.getCpu().getForks()));
            assertEquals(4_294_967_295L, Integer.toUnsignedLong(sample.getCpu().getProcsRunning()));
            assertEquals(2_147_483_648L, Integer.toUnsignedLong(sample.getCpu().getProcsBlocked()));
            assertEquals(-1L, sample.getCpu().getBootTimeUnixS(), "int64 stays signed");
            assertEquals(
                    SampleEncoder.ticksToNanos(-1L, reading.userHz()),
                    sample.getCpu().getTotal().getIdleNs());
            assertEquals(
                    "18446744073709551614",
                    Long.toUnsignedString(sample.getMemory().getTotalBytes()));
            assertEquals(-1L, sample.getFilesystems(0).getInodesTotal());
        }
    }

    @Test
    void non_ascii_strings_and_surrogate_pairs_cut_by_bounded_encode_as_protobuf_encodes_them()
            throws Exception {
        // The emoji's two chars straddle the cut at MAX_STRING_CHARS, so bounded() drops both.
        String cutPair = "/" + "é".repeat(TestReadings.MAX_STRING_CHARS - 2) + "\uD83D\uDE00tail";
        String mountinfo =
                "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
                        + "2 1 254:98 / /mnt/données\\040日本語\\011\\134 rw - ext4 /dev/\uD83D\uDE00 rw\n"
                        + "3 1 254:97 / "
                        + cutPair
                        + " rw - ext4 /dev/vdc rw\n";
        try (ProcfsSampler sampler =
                fixtureSampler(
                        TestReadings.fixture("stat-8-columns-linux-2.6.11"),
                        TestReadings.fixture("meminfo-linux-6.1"),
                        mountinfo)) {
            GuestReading reading = sampler.read();
            TestReadings.failFilesystem(reading, 0, "lone surrogate \uD800 becomes ?");
            Sample sample = assertEncodesLikeProtobuf(reading, 1, 1000);

            assertEquals("/mnt/données 日本語\t\\", sample.getFilesystems(1).getMountPoint());
            assertEquals("/dev/\uD83D\uDE00", sample.getFilesystems(1).getDevice());
            assertEquals(
                    cutPair.substring(0, TestReadings.MAX_STRING_CHARS - 1),
                    sample.getFilesystems(2).getMountPoint());
            assertEquals("lone surrogate ? becomes ?", sample.getFilesystems(0).getError());
        }
    }

    @Test
    void the_largest_reading_the_sampler_can_take_fits_in_a_sample_buffer() throws Exception {
        StringBuilder stat = new StringBuilder("cpu  1 2 3 4 5 6 7 8 9 10\n");
        for (int cpu = 0; cpu < TestReadings.MAX_CPUS + 10; cpu++) {
            stat.append("cpu").append(cpu).append(" 1 2 3 4 5 6 7 8 9 10\n");
        }
        stat.append("ctxt 1\nbtime 1\nprocesses 1\nprocs_running 1\nprocs_blocked 1\n");
        String longest = "€".repeat(2 * TestReadings.MAX_STRING_CHARS);
        StringBuilder mountinfo = new StringBuilder("1 0 254:0 / / rw - ext4 /dev/vda rw\n");
        for (int i = 0; i < TestReadings.MAX_FILESYSTEMS + 10; i++) {
            mountinfo
                    .append(i + 2)
                    .append(" 1 254:")
                    .append(i + 1)
                    .append(" / /")
                    .append(i)
                    .append(longest)
                    .append(" rw - nfs")
                    .append(longest)
                    .append(' ')
                    .append(longest)
                    .append(" rw\n");
        }
        try (ProcfsSampler sampler =
                fixtureSampler(
                        stat.toString().getBytes(StandardCharsets.US_ASCII),
                        TestReadings.fixture("meminfo-linux-6.1"),
                        mountinfo.toString())) {
            GuestReading reading = sampler.read();
            assertEquals(TestReadings.MAX_CPUS, reading.cpu().cpuCount());
            assertEquals(TestReadings.MAX_FILESYSTEMS, reading.filesystemCount());
            TestReadings.populate(reading, -1L);
            for (int i = 0; i < reading.filesystemCount(); i++) {
                TestReadings.setError(reading, i, TestReadings.bounded(longest));
            }
            Sample sample = assertEncodesLikeProtobuf(reading, -1L, -1);

            int size = sample.getSerializedSize();
            assertTrue(
                    size > 300 << 10 && size < 320 << 10,
                    "the 317 KiB documented at MAX_LENGTH, was " + size);
            assertTrue(size <= SampleBuffer.MAX_LENGTH);
        }
    }

    @Test
    void sampling_allocates_nothing_in_the_steady_state() throws Exception {
        // Fixture /proc whose one mount, an ext4 root, is stat'ed inline and answers. (A mount that
        // needs the timeout guard costs a task per statvfs, and a failing one its exception and
        // message, by design of StatfsGuard and Statvfs, not of the encoding.)
        try (ProcfsSampler sampler =
                fixtureSampler(
                        TestReadings.fixture("stat-10-columns-cpu2-offline"),
                        TestReadings.fixture("meminfo-linux-6.1"),
                        "1 0 254:0 / / rw - ext4 /dev/vda rw\n")) {
            SampleBuffer buffer = new SampleBuffer();
            SampleEncoder encoder = new SampleEncoder();
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 20_000; i++) {
                encoder.encode(i, sampler.read(), 1000, buffer);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000; i++) {
                encoder.encode(i, sampler.read(), 1000, buffer);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // Slack: the counter itself is read through a bean call that may allocate a little;
            // one allocation per sample (16 bytes or more) would already exceed it.
            assertTrue(allocated < 8_192, allocated + " bytes allocated by 1,000 samples");
        }
    }

    private ProcfsSampler fixtureSampler(byte[] stat, byte[] meminfo, String mountinfo)
            throws Exception {
        return TestReadings.fixtureSampler(proc, stat, meminfo, mountinfo);
    }

    /**
     * Encodes with fixed timestamps, so that fixture readings encode to the same bytes at every
     * run.
     */
    private static SampleBuffer encode(GuestReading reading, long seq, int intervalMs) {
        TestReadings.setClock(reading, WALL_NS, MONO_NS);
        SampleBuffer buffer = new SampleBuffer(0);
        new SampleEncoder().encode(seq, reading, intervalMs, buffer);
        return buffer;
    }

    private static Sample assertEncodesLikeProtobuf(
            GuestReading reading, long seq, int intervalMs) {
        SampleBuffer buffer = encode(reading, seq, intervalMs);
        Sample expected = TestReadings.expected(seq, reading, intervalMs);
        Sample decoded = Decoded.parse(buffer);
        assertArrayEquals(expected.toByteArray(), Arrays.copyOf(buffer.array(), buffer.length()));
        // Through the wire rather than as built: an unpaired surrogate is '?' on both sides only
        // once encoded.
        assertEquals(reparsed(expected), decoded);
        assertEquals(seq, buffer.seq());
        return decoded;
    }

    @Test
    void ticks_to_nanoseconds_is_exact_for_a_user_hz_that_does_not_divide_a_second() {
        long ticks = 1_000_000_000_007L;
        long expected =
                BigInteger.valueOf(ticks)
                        .multiply(BigInteger.valueOf(1_000_000_000L))
                        .divide(BigInteger.valueOf(300))
                        .longValueExact();
        assertEquals(expected, SampleEncoder.ticksToNanos(ticks, 300));
        assertEquals(23_333_333, SampleEncoder.ticksToNanos(7, 300));
    }

    private static Sample reparsed(Sample s) {
        try {
            return Sample.parseFrom(s.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static void collect(Message m, Map<Descriptor, List<Message>> instances) {
        instances.computeIfAbsent(m.getDescriptorForType(), d -> new ArrayList<>()).add(m);
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            if (e.getKey().getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (e.getKey().isRepeated()) {
                    ((List<?>) e.getValue()).forEach(v -> collect((Message) v, instances));
                } else {
                    collect((Message) e.getValue(), instances);
                }
            }
        }
    }

    private static void checkPresent(
            Descriptor type,
            Map<Descriptor, List<Message>> instances,
            Set<Descriptor> seen,
            List<String> missing) {
        if (!seen.add(type)) {
            return;
        }
        List<Message> of = instances.getOrDefault(type, List.of());
        for (FieldDescriptor f : type.getFields()) {
            boolean present =
                    of.stream()
                            .anyMatch(
                                    m ->
                                            f.isRepeated()
                                                    ? m.getRepeatedFieldCount(f) > 0
                                                    : m.hasField(f));
            if (!present) {
                missing.add(f.getFullName());
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                checkPresent(f.getMessageType(), instances, seen, missing);
            }
        }
    }
}
