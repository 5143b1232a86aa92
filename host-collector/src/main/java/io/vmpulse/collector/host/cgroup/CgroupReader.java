package io.vmpulse.collector.host.cgroup;

import io.vmpulse.collector.host.proc.KernelFile;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the cgroup v2 of a VM when it has one of its own (as under Firecracker's jailer): {@code
 * cpu.stat} {@code usage_usec}, {@code memory.current}, and the bytes of {@code io.stat} summed
 * over devices (its operation counts are not read: the sample has no field for them, and the VMM's
 * own block counters give the guest's operations where the cgroup's would not).
 *
 * <p>The cgroup is taken from {@link #CgroupReader(Path, int, Path) the given path} or from the
 * {@code 0::} line of {@code /proc/PID/cgroup}. The root cgroup and the collector's own cgroup are
 * shared with other processes, so they say nothing about the VM: the source is then absent. {@code
 * memory.current} and {@code io.stat} exist only where their controller is enabled; when missing
 * they are reported ABSENT while {@code cpu.stat} (always there) keeps the source present.
 */
public final class CgroupReader implements AutoCloseable {

    private static final byte[] USAGE_USEC = "usage_usec".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RBYTES = "rbytes=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WBYTES = "wbytes=".getBytes(StandardCharsets.US_ASCII);

    private final Path procRoot;
    private final int pid;
    private final Path givenPath;
    private boolean resolved;
    private KernelFile cpuStat;
    private KernelFile memoryCurrent;
    private KernelFile ioStat;

    /**
     * @param cgroupPath the VM's cgroup directory, or null to derive it from {@code
     *     /proc/PID/cgroup}
     */
    public CgroupReader(Path procRoot, int pid, Path cgroupPath) {
        this.procRoot = procRoot;
        this.pid = pid;
        this.givenPath = cgroupPath;
    }

    /**
     * Fills the cgroup fields of {@code into}; leaves {@link Source#CGROUP} absent if the VM has no
     * cgroup of its own.
     */
    public void readInto(HostReading into) {
        try {
            if (!resolved) {
                resolve();
            }
            if (cpuStat == null) {
                return;
            }
            cpuStat.read();
            if (!cpuStat.find(USAGE_USEC)) {
                throw new IOException("no usage_usec in " + cpuStat.path());
            }
            into.cgroupCpuUsageNs = cpuStat.nextLong() * 1000;
            if (memoryCurrent != null) {
                memoryCurrent.read();
                into.cgroupMemoryCurrentBytes = memoryCurrent.nextLong();
            }
            if (ioStat != null) {
                readIoStat(into);
            }
            into.markPresent(Source.CGROUP);
        } catch (IOException | RuntimeException e) {
            // The cgroup may have been removed with the VM: find it again next time.
            close();
            into.cgroupCpuUsageNs = into.cgroupMemoryCurrentBytes = HostReading.ABSENT;
            into.cgroupIoReadBytes = into.cgroupIoWriteBytes = HostReading.ABSENT;
            into.markFailed(Source.CGROUP, e);
        }
    }

    /**
     * io.stat: one line per device, {@code MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N
     * dios=N}.
     */
    private void readIoStat(HostReading into) throws IOException {
        ioStat.read();
        long rbytes = 0;
        long wbytes = 0;
        if (ioStat.length() > 0) {
            do {
                rbytes += ioStat.valueOnLine(RBYTES);
                wbytes += ioStat.valueOnLine(WBYTES);
            } while (ioStat.nextLine());
        }
        into.cgroupIoReadBytes = rbytes;
        into.cgroupIoWriteBytes = wbytes;
    }

    private void resolve() throws IOException {
        Path dir = givenPath != null ? givenPath : derive();
        resolved = true;
        if (dir == null) {
            return;
        }
        cpuStat = new KernelFile(dir.resolve("cpu.stat"), 512);
        Path mem = dir.resolve("memory.current");
        memoryCurrent = Files.exists(mem) ? new KernelFile(mem, 64) : null;
        Path io = dir.resolve("io.stat");
        ioStat = Files.exists(io) ? new KernelFile(io, 512) : null;
    }

    /** The VM's own cgroup directory, or null when it shares the root or the collector's cgroup. */
    private Path derive() throws IOException {
        String vm = unifiedPath(procRoot.resolve(Integer.toString(pid)).resolve("cgroup"));
        if (vm == null
                || vm.equals("/")
                || vm.equals(unifiedPath(procRoot.resolve("self").resolve("cgroup")))) {
            return null;
        }
        Path mount = cgroup2Mount(procRoot.resolve("self").resolve("mountinfo"));
        return mount == null ? null : mount.resolve(vm.substring(1));
    }

    /** The path on the {@code 0::} line of a {@code /proc/PID/cgroup} file, or null. */
    static String unifiedPath(Path cgroupFile) throws IOException {
        for (String line : Files.readAllLines(cgroupFile, StandardCharsets.UTF_8)) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        return null;
    }

    /**
     * The mount point of the cgroup2 hierarchy (/sys/fs/cgroup, or /sys/fs/cgroup/unified in hybrid
     * mode).
     */
    static Path cgroup2Mount(Path mountinfo) throws IOException {
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            int dash = line.indexOf(" - ");
            if (dash > 0 && line.startsWith("cgroup2 ", dash + 3)) {
                return Path.of(line.split(" ")[4]);
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (KernelFile f : new KernelFile[] {cpuStat, memoryCurrent, ioStat}) {
            if (f != null) {
                f.close();
            }
        }
        cpuStat = memoryCurrent = ioStat = null;
        resolved = false;
    }
}
