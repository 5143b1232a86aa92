package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.collector.merge.Continuity;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.IngestCounts;
import io.vmpulse.collector.merge.RecordMerger;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.collector.merge.VmInfo;
import io.vmpulse.collector.testing.ReaderJson;
import io.vmpulse.collector.testing.Tools;
import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.CpuTimes;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java reader, the C reader (compiled here with gcc) and the Python reader, each a separate
 * program finding fields by name in the directory, read the same values from the same slots.
 */
@Timeout(120)
class ReadersAgreeTest {

    @TempDir Path dir;

    /**
     * A record as the collector builds it, with every kind of 1.3 value filled and hostile text in
     * it.
     */
    private static VmRecord mergedRecord() {
        RecordMerger merger = new RecordMerger();
        VmRecord out = new VmRecord();
        merger.describe(out, new VmInfo("firecracker", Map.of("tenant", "a\"b\\c", "env", "prod")));
        Cpu.Builder cpu =
                Cpu.newBuilder().setTotal(CpuTimes.newBuilder().setUserNs(30)).setOnlineCpus(2);
        cpu.addPerCpu(
                PerCpu.newBuilder()
                        .setCpu(0)
                        .setTimes(CpuTimes.newBuilder().setUserNs(10).setIdleNs(90)));
        cpu.addPerCpu(
                PerCpu.newBuilder()
                        .setCpu(1)
                        .setTimes(CpuTimes.newBuilder().setUserNs(20).setStealNs(5)));
        Sample sample =
                Sample.newBuilder()
                        .setSeq(1)
                        .setCpu(cpu)
                        .setMemory(
                                Memory.newBuilder()
                                        .setTotalBytes(1 << 30)
                                        .setCommittedAsBytes(123_456_789L))
                        .addFilesystems(
                                Filesystem.newBuilder()
                                        .setMountPoint("/")
                                        .setDevice("/dev/vda")
                                        .setFsType("ext4")
                                        .setSizeBytes(100)
                                        .setFreeBytes(50)
                                        .setAvailableBytes(40))
                        .build();
        Hello hello =
                Hello.newBuilder()
                        .setBootId("b00t")
                        .setAgentVersion("1.3.0 \"rc\"")
                        .setKernelRelease("6.1.0\u001b[31m")
                        .setAgentInstance("i")
                        .build();
        HostReading host = new HostReading();
        host.readStartNanos = 1;
        host.diskReadBytes = host.diskWriteBytes = host.diskReadOps = host.diskWriteOps = 7;
        host.addDisk("rootfs", 7, 7, 7, 7);
        host.netRxBytes = host.netTxBytes = host.netRxPackets = host.netTxPackets = 3;
        host.netRxDropped = host.netTxDropped = host.netRxErrors = host.netTxErrors = 0;
        host.addNic("tap0", 3, 3, 3, 3, 0, 0, 0, 0);
        host.markPresent(Source.BLOCK);
        host.markPresent(Source.NET);
        merger.guestArrived(out, sample, hello, Continuity.CONTINUES, 1, 1, host);
        return merger.seal(
                out,
                new IngestCounts(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, true),
                1,
                Long.MAX_VALUE,
                false);
    }

    @Test
    void java_c_and_python_readers_read_the_same_value_for_every_field_of_every_live_slot()
            throws Exception {
        try (RegistryWriter w =
                RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), 6, null))) {
            VmRecord s = new VmRecord();
            for (String vm : List.of("alpha", "beta", "gamma", "δέλτα")) {
                int slot = w.claim(vm);
                SamplePattern.fillNumbers(s, slot + 1);
                s.putLong(RecordFields.GUEST_SEQ, -1L); // u64 above 2^63
                // JSON has no NaN: every reader prints null for it.
                s.putDouble(RecordFields.STEAL_RATIO, slot == 0 ? Double.NaN : 0.1 + slot);
                SamplePattern.fillText(s, vm);
                w.publish(slot, s);
            }
            int merged = w.claim("merged");
            w.publish(merged, mergedRecord());
            w.release(1); // beta: free, listed by nobody
            w.markFinal(2, s); // gamma: final, listed by everybody

            List<Map<String, Object>> java = ReaderJson.parse(ReaderJson.javaJson(w.path()));
            assertEquals(
                    List.of("alpha", "gamma", "δέλτα", "merged"),
                    java.stream().map(m -> m.get("vm_id")).toList());
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) java.get(3).get("fields");
            assertEquals(
                    2L,
                    ((Number) m.get("cpu_count")).longValue(),
                    "real 1.3 values reach the readers: " + m);
            assertEquals("env=prod\ntenant=a\"b\\c", m.get("labels"));
            assertEquals("6.1.0\ufffd[31m", m.get("kernel_release"));
            assertEquals("/dev/vda", ((List<?>) m.get("fs_device")).get(0));
            assertEquals("rootfs", ((List<?>) m.get("disk.name")).get(0));
            assertEquals("tap0", ((List<?>) m.get("nic.name")).get(0));

            Path bin = Tools.cDump(dir);
            Tools.Result c = Tools.run(List.of(bin.toString(), "--json", w.path().toString()), 30);
            assertEquals(0, c.exit(), c.stderr());
            Tools.Result py = Tools.run(Tools.python("--json", w.path().toString()), 60);
            assertEquals(0, py.exit(), py.stderr());

            ReaderJson.assertSame("C", java, ReaderJson.parse(c.stdout()));
            ReaderJson.assertSame("Python", java, ReaderJson.parse(py.stdout()));
        }
    }
}
