package io.vmpulse.collector.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.host.process.ProcessReader;
import io.vmpulse.collector.host.vcpu.ThreadNames;
import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import io.vmpulse.collector.testing.NativeHelper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vCPU thread scan and VMM process reading against a real child process with VMM-like thread names.
 */
@Timeout(60)
class VcpuAndProcessTest {

    private Process child;
    private BufferedReader childOut;
    private Writer childIn;

    private HostSampler start(HypervisorKind kind, int rescanEvery, String... threadNames)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(NativeHelper.compile("named_threads").toString());
        cmd.addAll(List.of(threadNames));
        child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        childOut =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        childIn = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
        assertEquals("ready", childOut.readLine());
        HostSampler.Options o = HostSampler.Options.defaults();
        return new HostSampler(
                HostTargets.ofProcess(kind, (int) child.pid()),
                new HostSampler.Options(
                        o.procRoot(),
                        o.sysfsRoot(),
                        o.socketTimeout(),
                        o.flushInterval(),
                        rescanEvery,
                        1,
                        null));
    }

    private String command(String line) throws IOException {
        childIn.write(line + "\n");
        childIn.flush();
        return childOut.readLine();
    }

    /**
     * Reads every 100 ms until {@code done} holds or 10 s have passed (a loaded machine may delay
     * the threads).
     */
    private static void readUntil(
            HostSampler sampler, HostReading into, Predicate<HostReading> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            Thread.sleep(100);
            sampler.read(into);
        } while (!done.test(into) && System.nanoTime() < deadline);
    }

    @AfterEach
    void stopChild() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void firecracker_vcpu_threads_are_found_by_name_and_their_run_time_grows() throws Exception {
        try (HostSampler sampler =
                start(
                        HypervisorKind.FIRECRACKER,
                        10,
                        "fc_vcpu 0",
                        "fc_vcpu 1",
                        "fc_api",
                        "vcpu0")) {
            HostReading first = new HostReading();
            sampler.read(first);
            HostReading second = new HostReading();
            readUntil(
                    sampler,
                    second,
                    r ->
                            r.vcpuRunNsByIndex[0] > first.vcpuRunNsByIndex[0]
                                    && r.vcpuRunNsByIndex[1] > first.vcpuRunNsByIndex[1]);

            assertTrue(
                    second.isPresent(Source.VCPU), () -> String.valueOf(second.error(Source.VCPU)));
            assertEquals(2, second.vcpuCount, "fc_api and vcpu0 are not Firecracker vCPU threads");
            assertEquals(2, second.vcpuSlots);
            for (int i = 0; i < 2; i++) {
                assertTrue(
                        second.vcpuRunNsByIndex[i] > first.vcpuRunNsByIndex[i],
                        "vCPU " + i + " ran");
            }
            assertEquals(second.vcpuRunNsByIndex[0] + second.vcpuRunNsByIndex[1], second.vcpuRunNs);
            assertTrue(second.vcpuWaitNs >= 0);
        }
    }

    @Test
    void cloud_hypervisor_vcpu_names_are_vcpuN() throws Exception {
        try (HostSampler sampler =
                start(
                        HypervisorKind.CLOUD_HYPERVISOR,
                        10,
                        "vcpu0",
                        "vcpu2",
                        "fc_vcpu 1",
                        "vcpu_x")) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.VCPU));
            assertEquals(2, r.vcpuCount);
            assertEquals(3, r.vcpuSlots, "slots run to the highest vCPU number");
            assertEquals(HostReading.ABSENT, r.vcpuRunNsByIndex[1], "no thread for vCPU 1");
            assertTrue(r.vcpuRunNsByIndex[2] >= 0);
        }
    }

    @Test
    void process_cpu_rss_pss_and_thread_count_are_read() throws Exception {
        try (HostSampler sampler =
                start(HypervisorKind.FIRECRACKER, 10, "fc_vcpu 0", "fc_vcpu 1", "fc_vcpu 2")) {
            HostReading first = new HostReading();
            sampler.read(first);
            HostReading r = new HostReading();
            readUntil(sampler, r, later -> later.vmmCpuNs > first.vmmCpuNs);
            assertTrue(r.isPresent(Source.PROCESS), () -> String.valueOf(r.error(Source.PROCESS)));
            assertEquals(4, r.vmmThreads, "main thread and three vCPU threads");
            assertTrue(r.vmmCpuNs > first.vmmCpuNs, "three threads burning 20% each use CPU time");
            assertTrue(r.vmmRssBytes > 0);
            assertTrue(
                    r.vmmPssBytes > 0 && r.vmmPssBytes <= r.vmmRssBytes,
                    "PSS " + r.vmmPssBytes + " RSS " + r.vmmRssBytes);
        }
    }

    @Test
    void vmm_cpu_time_splits_into_user_and_system_as_the_kernel_counts_them() throws Exception {
        // dd with one-byte blocks spends its time in read(2)/write(2): mostly system time. A shell
        // spinning on ':' makes no system calls: mostly user time. Swapped fields fail both.
        assertSplit(List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=1"), false);
        assertSplit(List.of("sh", "-c", "while :; do :; done"), true);
    }

    private void assertSplit(List<String> command, boolean mostlyUser) throws Exception {
        child = new ProcessBuilder(command).start();
        ProcessReader reader = new ProcessReader(Path.of("/proc"), (int) child.pid(), 1);
        HostReading r = new HostReading();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            Thread.sleep(100);
            r.clear();
            reader.readInto(r);
        } while (r.vmmCpuNs < 300_000_000L && System.nanoTime() < deadline);
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertTrue(r.isPresent(Source.PROCESS), () -> String.valueOf(r.error(Source.PROCESS)));
        assertEquals(r.vmmCpuNs, r.vmmCpuUserNs + r.vmmCpuSystemNs, "the parts add up");
        long more = mostlyUser ? r.vmmCpuUserNs : r.vmmCpuSystemNs;
        long less = mostlyUser ? r.vmmCpuSystemNs : r.vmmCpuUserNs;
        assertTrue(
                more > less,
                command + ": user " + r.vmmCpuUserNs + " ns, system " + r.vmmCpuSystemNs + " ns");
    }

    @Test
    void a_vanished_vcpu_thread_is_dropped_and_a_hotplugged_one_found_by_the_periodic_rescan()
            throws Exception {
        try (HostSampler sampler = start(HypervisorKind.FIRECRACKER, 3, "fc_vcpu 0", "fc_vcpu 1")) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertEquals(2, r.vcpuCount);

            assertEquals("stopped 1", command("stop 1"));
            sampler.read(r);
            assertTrue(r.isPresent(Source.VCPU));
            assertEquals(1, r.vcpuCount, "the thread of vCPU 1 exited");
            assertEquals(1, r.vcpuSlots);

            assertEquals("started", command("start fc_vcpu 2"));
            int reads = 0;
            do {
                sampler.read(r);
                reads++;
            } while (r.vcpuCount < 2 && reads < 5);
            assertEquals(2, r.vcpuCount, "hot-plugged vCPU 2 found");
            assertTrue(reads <= 3, "found within the rescan period of 3 reads, took " + reads);
            assertEquals(HostReading.ABSENT, r.vcpuRunNsByIndex[1]);
            assertTrue(r.vcpuRunNsByIndex[2] >= 0);
        }
    }

    @Test
    void a_vmm_that_exits_marks_vcpu_process_and_block_failed_without_throwing() throws Exception {
        try (HostSampler sampler = start(HypervisorKind.LIBKRUN, 10, "fc_vcpu 0")) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isPresent(Source.VCPU));
            assertTrue(r.isPresent(Source.PROCESS));
            assertTrue(
                    r.isPresent(Source.BLOCK),
                    "libkrun has no device counters: /proc/PID/io is read");

            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            sampler.read(r);

            for (Source s : List.of(Source.VCPU, Source.PROCESS, Source.BLOCK)) {
                assertTrue(r.isFailed(s), s + " failed after exit");
                assertFalse(r.error(s).isEmpty());
            }
            assertEquals(HostReading.ABSENT, r.vmmCpuNs);
            assertEquals(0, r.vcpuCount);
        }
    }

    @Test
    void a_vmm_still_starting_has_no_vcpu_threads_and_they_are_found_as_soon_as_they_appear()
            throws Exception {
        try (HostSampler sampler = start(HypervisorKind.FIRECRACKER, 1000, "fc_api")) {
            HostReading r = new HostReading();
            sampler.read(r);
            assertTrue(r.isFailed(Source.VCPU));
            assertEquals("no vCPU threads found", r.error(Source.VCPU));

            assertEquals("started", command("start fc_vcpu 0"));
            sampler.read(r);
            assertTrue(r.isPresent(Source.VCPU), "looked again at once, not after 1000 reads");
            assertEquals(1, r.vcpuCount);
        }
    }

    @Test
    void a_vmm_that_exited_but_was_not_reaped_is_not_reported_running() throws Exception {
        // The helper exits at once (stdin is /dev/null); its parent becomes sleep, which never
        // reaps it. Its own "ready" goes to /dev/null: on the shared stdout it could come before
        // the pid.
        Process parent =
                new ProcessBuilder(
                                "sh",
                                "-c",
                                NativeHelper.compile("named_threads")
                                        + " 'fc_vcpu 0' </dev/null >/dev/null & echo $!;"
                                        + " exec sleep 30")
                        .start();
        try {
            int zombie =
                    Integer.parseInt(
                            new BufferedReader(
                                            new InputStreamReader(
                                                    parent.getInputStream(),
                                                    StandardCharsets.UTF_8))
                                    .readLine()
                                    .strip());
            Path stat = Path.of("/proc", Integer.toString(zombie), "stat");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Zombie leader first, then its other threads finish exiting: wait for both, since a
            // thread that is still on its way out is rightly seen as a vCPU thread.
            Path tasks = Path.of("/proc", Integer.toString(zombie), "task");
            while ((!Files.readString(stat).contains(") Z ") || taskCount(tasks) > 1)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (HostSampler sampler =
                    new HostSampler(
                            HostTargets.ofProcess(HypervisorKind.FIRECRACKER, zombie),
                            HostSampler.Options.defaults())) {
                HostReading r = new HostReading();
                sampler.read(r);
                assertTrue(r.isFailed(Source.PROCESS));
                assertTrue(r.error(Source.PROCESS).contains("vmm exited"), r.error(Source.PROCESS));
                assertTrue(r.isFailed(Source.VCPU), "a zombie has no vCPU threads left");
            }
        } finally {
            parent.destroyForcibly();
            parent.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void thread_names_map_to_vcpu_numbers_per_hypervisor() {
        assertEquals(3, ThreadNames.vcpuIndex(HypervisorKind.FIRECRACKER, "fc_vcpu 3"));
        assertEquals(12, ThreadNames.vcpuIndex(HypervisorKind.CLOUD_HYPERVISOR, "vcpu12"));
        assertEquals(1, ThreadNames.vcpuIndex(HypervisorKind.QEMU, "CPU 1/KVM"));
        assertEquals(0, ThreadNames.vcpuIndex(HypervisorKind.QEMU, "CPU 0/TCG"));
        assertEquals(-1, ThreadNames.vcpuIndex(HypervisorKind.QEMU, "CPU x/KVM"));
        assertEquals(-1, ThreadNames.vcpuIndex(HypervisorKind.FIRECRACKER, "fc_vcpu"));
        assertEquals(-1, ThreadNames.vcpuIndex(HypervisorKind.CLOUD_HYPERVISOR, "vcpu"));
        assertEquals(-1, ThreadNames.vcpuIndex(HypervisorKind.NONE, "vcpu0"));
    }

    private static long taskCount(Path tasks) throws Exception {
        try (var entries = Files.list(tasks)) {
            return entries.count();
        }
    }
}
