package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordChecksum;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RegistryLayout;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer publishes as fast as it can while readers check the checksum stored inside every
 * sample: reader threads in this JVM, the C reader and the Python reader as separate processes.
 */
@Timeout(180)
class TornReadTest {

    private static final int SLOTS = 2;
    private static final int READ_SECONDS = 5;

    @TempDir Path dir;

    /**
     * Publishes into every claimed slot in turn, with new values everywhere each time, until
     * stopped.
     */
    private static final class Writer extends Thread {
        final RegistryWriter registry;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong published = new AtomicLong();

        Writer(RegistryWriter registry) {
            this.registry = registry;
            setDaemon(true);
        }

        @Override
        public void run() {
            VmRecord s = new VmRecord();
            SamplePattern.fillText(s, "torn");
            for (long k = 1; !stop.get(); k++) {
                SamplePattern.fillNumbers(s, k);
                registry.publish((int) (k % SLOTS), s);
                published.lazySet(k);
            }
        }
    }

    private Writer startWriter() throws Exception {
        RegistryWriter w =
                RegistryWriter.create(new RegistryOptions(dir.resolve("registry"), SLOTS, null));
        for (int i = 0; i < SLOTS; i++) {
            w.claim("vm-" + i);
        }
        Writer t = new Writer(w);
        t.start();
        return t;
    }

    @Test
    void no_torn_sample_is_ever_accepted_by_java_threads_a_c_process_or_a_python_process()
            throws Exception {
        Path bin = Tools.cDump(dir);
        Writer writer = startWriter();
        Path path = writer.registry.path();
        Process c =
                Tools.start(
                        List.of(
                                bin.toString(),
                                "--check",
                                Integer.toString(READ_SECONDS),
                                path.toString()));
        Process py =
                Tools.start(
                        Tools.python("--check", Integer.toString(READ_SECONDS), path.toString()));

        AtomicLong accepted = new AtomicLong();
        AtomicLong torn = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        try (RegistryReader r = RegistryReader.open(path)) {
            for (int t = 0; t < 2; t++) {
                Thread th =
                        new Thread(
                                () -> {
                                    SlotSnapshot s = r.newSnapshot();
                                    long end = System.nanoTime() + READ_SECONDS * 1_000_000_000L;
                                    while (System.nanoTime() < end) {
                                        for (int slot = 0; slot < SLOTS; slot++) {
                                            if (r.read(slot, s)) {
                                                accepted.incrementAndGet();
                                                retries.addAndGet(s.attempts() - 1);
                                                if (!s.checksumMatches()) {
                                                    torn.incrementAndGet();
                                                }
                                            }
                                        }
                                    }
                                });
                th.start();
                readers.add(th);
            }
            for (Thread th : readers) {
                th.join();
            }
        }
        Tools.Result cr = Tools.finish(c, 60);
        Tools.Result pr = Tools.finish(py, 120);
        writer.stop.set(true);
        writer.join();
        writer.registry.close();

        System.out.printf(
                "published=%d java accepted=%d torn=%d retries=%d | C %s | python %s%n",
                writer.published.get(),
                accepted.get(),
                torn.get(),
                retries.get(),
                cr.stdout().trim(),
                pr.stdout().trim());
        assertTrue(
                writer.published.get() > 10_000,
                "the writer ran at speed: " + writer.published.get());
        assertTrue(accepted.get() > 0);
        assertEquals(0, torn.get(), "Java accepted a torn sample");
        assertCheck("C", cr);
        assertCheck("Python", pr);
    }

    @Test
    void copies_taken_without_the_seqlock_are_torn_and_the_checksum_detects_it() throws Exception {
        Writer writer = startWriter();
        long torn = 0;
        long copies = 0;
        try (FileChannel ch = FileChannel.open(writer.registry.path(), StandardOpenOption.READ)) {
            ByteBuffer map =
                    ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size())
                            .order(ByteOrder.LITTLE_ENDIAN);
            int sample =
                    RegistryLayout.slotsOffset(RecordFields.ALL.size())
                            + RegistryLayout.SAMPLE_OFFSET;
            byte[] copy = new byte[RecordFields.SIZE];
            long end = System.nanoTime() + 60_000_000_000L;
            while (torn == 0 && System.nanoTime() < end) {
                map.get(sample, copy, 0, copy.length); // what a reader ignoring seq would do
                copies++;
                long stored = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                if (stored != RecordChecksum.of(copy, copy.length)) {
                    torn++;
                }
            }
        } finally {
            writer.stop.set(true);
            writer.join();
            writer.registry.close();
        }
        System.out.printf("unchecked copies=%d until the first torn one%n", copies);
        assertTrue(
                torn > 0,
                "no torn copy seen in "
                        + copies
                        + " unchecked copies: the checksum would prove nothing");
    }

    private static void assertCheck(String who, Tools.Result r) {
        assertEquals(0, r.exit(), who + " reader: " + r.stdout() + r.stderr());
        Matcher m = Pattern.compile("accepted=(\\d+) torn=(\\d+)").matcher(r.stdout());
        assertTrue(m.find(), who + " printed: " + r.stdout());
        assertTrue(Long.parseLong(m.group(1)) > 0, who + " accepted nothing: " + r.stdout());
        assertEquals(0, Long.parseLong(m.group(2)), who + " accepted a torn sample: " + r.stdout());
    }
}
