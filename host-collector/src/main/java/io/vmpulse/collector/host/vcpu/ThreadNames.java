package io.vmpulse.collector.host.vcpu;

import io.vmpulse.collector.host.HypervisorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds vCPU threads by their names ({@code /proc/PID/task/TID/comm}), as each VMM names them:
 * Firecracker and libkrun {@code fc_vcpu N}, Cloud Hypervisor {@code vcpuN}, QEMU {@code CPU N/KVM}
 * or {@code CPU N/TCG} (only with {@code -name debug-threads=on}).
 */
public final class ThreadNames implements ThreadFinder {

    private final Path procRoot;
    private final HypervisorKind hypervisor;

    public ThreadNames(Path procRoot, HypervisorKind hypervisor) {
        this.procRoot = procRoot;
        this.hypervisor = hypervisor;
    }

    @Override
    public List<VcpuThread> find(int pid) throws IOException {
        List<VcpuThread> found = new ArrayList<>();
        Path tasks = procRoot.resolve(Integer.toString(pid)).resolve("task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                String comm;
                try {
                    comm =
                            new String(
                                            Files.readAllBytes(task.resolve("comm")),
                                            StandardCharsets.UTF_8)
                                    .strip();
                } catch (NoSuchFileException vanished) {
                    continue;
                }
                int index = vcpuIndex(hypervisor, comm);
                if (index >= 0) {
                    found.add(
                            new VcpuThread(Integer.parseInt(task.getFileName().toString()), index));
                }
            }
        }
        return found;
    }

    /** The vCPU number a thread named {@code comm} runs under {@code hypervisor}, or -1. */
    public static int vcpuIndex(HypervisorKind hypervisor, String comm) {
        return switch (hypervisor) {
            case FIRECRACKER, LIBKRUN -> number(comm, "fc_vcpu ", comm.length());
            case CLOUD_HYPERVISOR -> number(comm, "vcpu", comm.length());
            case QEMU ->
                    comm.startsWith("CPU ") && comm.indexOf('/') > 4
                            ? number(comm, "CPU ", comm.indexOf('/'))
                            : -1;
            case NONE -> -1;
        };
    }

    private static int number(String comm, String prefix, int end) {
        if (!comm.startsWith(prefix) || end <= prefix.length() || end - prefix.length() > 6) {
            return -1;
        }
        int n = 0;
        for (int i = prefix.length(); i < end; i++) {
            char c = comm.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
