package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RestartTest {

    @TempDir Path dir;

    private RegistryOptions options() {
        return new RegistryOptions(dir.resolve("registry"), 4, null);
    }

    @Test
    void second_writer_on_the_same_file_is_refused_naming_the_holder_pid() throws Exception {
        try (RegistryWriter first = RegistryWriter.create(options())) {
            RegistryInUseException e =
                    assertThrows(
                            RegistryInUseException.class, () -> RegistryWriter.create(options()));
            long pid = ProcessHandle.current().pid();
            assertEquals(pid, e.holderPid());
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "registry "
                                            + first.path()
                                            + " is in use by pid "
                                            + pid
                                            + " (java)"),
                    e.getMessage());
        }
    }

    /**
     * A collector in its own JVM: started, READY read, then killed with SIGKILL. Returns its pid.
     */
    private long startAndKill9Writer() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                WriterChild.class.getName(),
                                options().path().toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        try {
            String ready =
                    new BufferedReader(new InputStreamReader(child.getInputStream())).readLine();
            assertTrue(ready != null && ready.startsWith("READY "), "child said: " + ready);
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        return child.pid();
    }

    /** flock(1) holding a lock on {@code file} until killed; returns once the lock is held. */
    private Process holdFlock(String mode, Path file) throws Exception {
        Process p =
                new ProcessBuilder(
                                "flock",
                                mode,
                                file.toString(),
                                "sh",
                                "-c",
                                "echo locked; exec sleep 120")
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertEquals("locked", line);
        return p;
    }

    @Test
    void reader_holding_a_lock_on_the_registry_file_does_not_block_a_collector_restart()
            throws Exception {
        long dead = startAndKill9Writer();
        // A reader written from the document might flock the registry; it has every right to open
        // it.
        Process shared = holdFlock("--shared", options().path());
        try (RegistryWriter next = RegistryWriter.create(options())) {
            assertTrue(next.replacedStaleFile());
            assertEquals(
                    ProcessHandle.current().pid(),
                    RegistryReader.open(next.path()).writerPid(),
                    "not " + dead);
        } finally {
            shared.destroyForcibly().waitFor();
        }
        // Even one holding an exclusive lock on the (replaced) registry file does not block the
        // next start.
        Process exclusive = holdFlock("--exclusive", options().path());
        try (RegistryWriter again = RegistryWriter.create(options())) {
            assertTrue(again.replacedStaleFile());
        } finally {
            exclusive.destroyForcibly().waitFor();
        }
    }

    @Test
    void in_use_error_names_the_live_lock_holder_and_not_the_dead_writer_in_the_header()
            throws Exception {
        long dead = startAndKill9Writer();
        Process holder = holdFlock("--exclusive", RegistryWriter.lockFileOf(options().path()));
        try {
            RegistryInUseException e =
                    assertThrows(
                            RegistryInUseException.class, () -> RegistryWriter.create(options()));
            assertEquals(holder.pid(), e.holderPid());
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "in use by pid "
                                            + holder.pid()
                                            + " (flock), which holds its lock file "
                                            + RegistryWriter.lockFileOf(options().path())),
                    e.getMessage());
            assertFalse(
                    e.getMessage().contains(Long.toString(dead)),
                    "the dead writer's pid is not named: " + e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void reader_or_channel_closed_inside_the_writer_process_does_not_release_the_writer_lock()
            throws Exception {
        try (RegistryWriter w = RegistryWriter.create(options())) {
            RegistryReader.open(w.path()).close();
            // Closing any descriptor of the file drops POSIX (fcntl) locks of the whole process;
            // the writer's flock must survive it.
            FileChannel.open(w.path(), StandardOpenOption.READ).close();
            assertThrows(RegistryInUseException.class, () -> RegistryWriter.create(options()));
        }
    }

    @Test
    void cleanly_closed_registry_is_marked_closed_and_can_be_taken_over() throws Exception {
        RegistryWriter w = RegistryWriter.create(options());
        RegistryReader r = RegistryReader.open(w.path());
        assertFalse(r.writerClosed());
        long beats = r.heartbeatCount();
        w.heartbeat();
        assertEquals(beats + 1, r.heartbeatCount());
        w.close();
        assertTrue(r.writerClosed());
        try (RegistryWriter next = RegistryWriter.create(options())) {
            assertTrue(next.replacedStaleFile());
            assertTrue(r.isStale());
        }
    }

    @Test
    void
            after_kill_9_of_the_writer_process_a_new_writer_reinitialises_and_java_c_and_python_readers_notice_it()
                    throws Exception {
        Path path = options().path();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                WriterChild.class.getName(),
                                path.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        ReplacedProbe cProbe = null;
        ReplacedProbe pyProbe = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("READY "), "child said: " + ready);
            long childPid = child.pid();

            RegistryReader reader = RegistryReader.open(path);
            assertEquals(childPid, reader.writerPid());
            SlotSnapshot s = reader.newSnapshot();
            assertTrue(reader.read(0, s));
            assertEquals("child-vm", s.vmId());
            long seqBefore = s.seq();
            assertTrue(
                    readEventually(reader, 0, s) && s.seq() > seqBefore,
                    "the child keeps publishing");
            assertTrue(s.checksumMatches());

            // Long-running C and Python readers, each in its own process, mapping the child's file.
            cProbe = ReplacedProbe.c(dir, path);
            pyProbe = ReplacedProbe.python(path);
            assertEquals("writer_pid " + childPid, cProbe.opened);
            assertEquals("writer_pid " + childPid, pyProbe.opened);
            assertEquals("not replaced", cProbe.ask());
            assertEquals("not replaced", pyProbe.ask());

            RegistryInUseException inUse =
                    assertThrows(
                            RegistryInUseException.class, () -> RegistryWriter.create(options()));
            assertEquals(
                    childPid,
                    inUse.holderPid(),
                    "refused across processes, naming the live collector");

            child.destroyForcibly(); // SIGKILL: no shutdown hook, possibly in the middle of a
            // publish
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(
                    "not replaced", cProbe.ask(), "a dead writer alone does not replace the file");
            assertEquals(
                    "not replaced", pyProbe.ask(), "a dead writer alone does not replace the file");

            try (RegistryWriter next = RegistryWriter.create(options())) {
                assertTrue(
                        next.replacedStaleFile(), "the dead collector's file is detected as stale");
                assertTrue(reader.isStale(), "a reader notices the replaced file");
                assertEquals("replaced", cProbe.ask(), "vmpulse_is_replaced");
                assertEquals("replaced", pyProbe.ask(), "Registry.is_replaced");
                cProbe.close();
                pyProbe.close();
                assertTrue(reader.reopenIfReplaced());
                assertFalse(reader.isStale());
                assertEquals(ProcessHandle.current().pid(), reader.writerPid());
                assertEquals(
                        RegistryLayout.STATE_FREE,
                        reader.stateOf(0),
                        "the new registry starts empty");

                int slot = next.claim("vm-after");
                VmRecord u = new VmRecord();
                u.putLong(RecordFields.GUEST_SEQ, 7);
                next.publish(slot, u);
                assertTrue(reader.read(slot, s));
                assertEquals("vm-after", s.vmId());
                assertEquals(7, s.sample().getLong(RecordFields.GUEST_SEQ));

                Path bin = Tools.cDump(dir);
                Tools.Result c = Tools.run(List.of(bin.toString(), path.toString()), 30);
                assertEquals(0, c.exit(), c.stderr());
                assertTrue(c.stdout().contains("vm vm-after"), c.stdout());
            }
        } finally {
            child.destroyForcibly();
            for (ReplacedProbe p : new ReplacedProbe[] {cProbe, pyProbe}) {
                if (p != null) {
                    p.process.destroyForcibly();
                }
            }
        }
    }

    @Test
    void
            slot_left_mid_write_by_a_dead_writer_fails_to_read_after_bounded_attempts_and_others_still_read()
                    throws Exception {
        Path path = options().path();
        try (RegistryWriter w = RegistryWriter.create(options())) {
            w.claim("a");
            w.claim("b");
        }
        // What kill -9 between the two seq increments leaves behind: slot 0 odd forever.
        try (FileChannel ch =
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3);
            ch.write(
                    one,
                    RegistryLayout.slotsOffset(RecordFields.ALL.size())
                            + RegistryLayout.SLOT_SEQ_OFFSET);
        }
        try (RegistryReader r = RegistryReader.open(path)) {
            SlotSnapshot s = r.newSnapshot();
            assertFalse(r.read(0, s));
            assertEquals(RegistryReader.MAX_ATTEMPTS, s.attempts());
            List<String> live = new ArrayList<>();
            assertEquals(1, r.forEachLive(s, snap -> live.add(snap.vmId())), "one slot skipped");
            assertEquals(List.of("b"), live);
        }
        Tools.Result c = Tools.run(List.of(Tools.cDump(dir).toString(), path.toString()), 30);
        assertEquals(0, c.exit(), c.stderr());
        assertTrue(c.stderr().contains("slot 0: no consistent copy"), c.stderr());
        assertTrue(c.stdout().contains("vm b"), c.stdout());
        Tools.Result py = Tools.run(Tools.python(path.toString()), 60);
        assertEquals(0, py.exit(), py.stderr());
        assertTrue(py.stderr().contains("slot 0: no consistent copy"), py.stderr());
        assertTrue(py.stdout().contains("vm b"), py.stdout());
    }

    /** A reader process that answers "replaced" or "not replaced" for each line it is sent. */
    private static final class ReplacedProbe {
        final Process process;
        final BufferedReader out;
        final String opened;

        private ReplacedProbe(List<String> command) throws Exception {
            process =
                    new ProcessBuilder(command)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream()));
            opened = out.readLine();
        }

        static ReplacedProbe c(Path dir, Path registry) throws Exception {
            Path source = dir.resolve("replaced_probe.c");
            try (var in = RestartTest.class.getResourceAsStream("/publish/replaced_probe.c")) {
                Files.copy(in, source);
            }
            return new ReplacedProbe(
                    List.of(Tools.gcc(source, dir).toString(), registry.toString()));
        }

        static ReplacedProbe python(Path registry) throws Exception {
            String script =
                    "import sys; sys.path.insert(0, sys.argv[1]); import vmpulse_shm\n"
                            + "r = vmpulse_shm.Registry(sys.argv[2])\n"
                            + "print('writer_pid', r.writer_pid, flush=True)\n"
                            + "while sys.stdin.readline():\n"
                            + "    print('replaced' if r.is_replaced() else 'not replaced', flush=True)\n";
            return new ReplacedProbe(
                    List.of(
                            "python3",
                            "-c",
                            script,
                            Tools.PYTHON_READER.getParent().toString(),
                            registry.toString()));
        }

        String ask() throws Exception {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
            return out.readLine();
        }

        void close() throws Exception {
            process.getOutputStream().close();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        }
    }

    private static boolean readEventually(RegistryReader r, int slot, SlotSnapshot s)
            throws InterruptedException {
        long first = -1;
        for (int i = 0; i < 1000; i++) {
            if (r.read(slot, s)) {
                if (first < 0) {
                    first = s.seq();
                } else if (s.seq() > first) {
                    return true;
                }
            }
            Thread.sleep(5);
        }
        return false;
    }
}
