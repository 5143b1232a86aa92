package io.vmpulse.collector.ingest;

import io.vmpulse.proto.v1.Cpu;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.PerCpu;
import io.vmpulse.proto.v1.Sample;

/**
 * Checks that a guest message stays within {@link GuestLimits}: sizes, counts, string lengths and
 * values that cannot be true of any kernel. It looks at one message alone; whether counters move
 * forward between messages is {@link CounterContinuity}'s job.
 *
 * <p>Each method returns {@code null} when the message is acceptable, otherwise a short reason that
 * is safe to log (it never echoes guest strings).
 */
final class ShapeCheck {

    private static final int MAX_CPU_INDEX = 65_535;
    private static final int MIN_USER_HZ = 1;
    private static final int MAX_USER_HZ = 100_000;

    private final GuestLimits limits;

    ShapeCheck(GuestLimits limits) {
        this.limits = limits;
    }

    String hello(Hello h) {
        String s =
                firstLongString(
                        limits.maxStringBytes(),
                        h.getAgentName(),
                        h.getAgentVersion(),
                        h.getBootId(),
                        h.getKernelRelease(),
                        h.getAgentInstance());
        if (s != null) {
            return "hello " + s;
        }
        if (h.getAgentInstance().isEmpty()) {
            return "hello without agent_instance";
        }
        if (h.getUserHz() != 0 && (h.getUserHz() < MIN_USER_HZ || h.getUserHz() > MAX_USER_HZ)) {
            return "hello user_hz out of range";
        }
        return null;
    }

    String sample(Sample s) {
        if (s.getSeq() == 0) {
            return "sample without seq";
        }
        // An agent counts from 1; at a sample a millisecond it would take 292 million years to
        // reach 2^63. A seq past that is a lie, and accepting it would leave the agent's real
        // samples below the seq held for it, dropped as duplicates for ever.
        if (s.getSeq() < 0) {
            return "seq " + Long.toUnsignedString(s.getSeq()) + " is over 2^63-1";
        }
        Cpu cpu = s.getCpu();
        if (cpu.getPerCpuCount() > limits.maxCpus()) {
            return cpu.getPerCpuCount() + " per-CPU entries, over the limit of " + limits.maxCpus();
        }
        if (cpu.getOnlineCpus() > limits.maxCpus()) {
            return "online_cpus " + cpu.getOnlineCpus() + " over the limit of " + limits.maxCpus();
        }
        if (cpu.getColumns() > 10) {
            return "cpu columns " + cpu.getColumns() + " (a kernel prints at most 10)";
        }
        for (PerCpu p : cpu.getPerCpuList()) {
            if (p.getCpu() > MAX_CPU_INDEX) {
                return "cpu index " + p.getCpu() + " out of range";
            }
        }
        if (s.getFilesystemsCount() > limits.maxFilesystems()) {
            return s.getFilesystemsCount()
                    + " filesystems, over the limit of "
                    + limits.maxFilesystems();
        }
        for (Filesystem f : s.getFilesystemsList()) {
            String bad =
                    firstLongString(
                            limits.maxStringBytes(),
                            f.getMountPoint(),
                            f.getDevice(),
                            f.getFsType(),
                            f.getError());
            if (bad != null) {
                return "filesystem " + bad;
            }
            if (Long.compareUnsigned(f.getFreeBytes(), f.getSizeBytes()) > 0
                    || Long.compareUnsigned(f.getAvailableBytes(), f.getSizeBytes()) > 0
                    || Long.compareUnsigned(f.getInodesFree(), f.getInodesTotal()) > 0) {
                return "filesystem reports more free than total";
            }
        }
        if (Long.compareUnsigned(s.getMemory().getFreeBytes(), s.getMemory().getTotalBytes()) > 0) {
            return "memory free above total";
        }
        return null;
    }

    /**
     * Measures strings as the parser left them. proto3 string fields are parsed with UTF-8
     * required, so a message with a string that is not UTF-8 never gets here (gRPC fails the call
     * with an error); asking for the {@code ...Bytes()} form instead would re-encode each string
     * and make the later plain getter decode it again, three copies per string per sample.
     */
    private static String firstLongString(int max, String... values) {
        for (String v : values) {
            int n = utf8Length(v);
            if (n > max) {
                return "string of " + n + " bytes over the limit of " + max;
            }
        }
        return null;
    }

    /**
     * The length of {@code s} in UTF-8 (an unpaired surrogate, which the parser never yields, as
     * 3).
     */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
