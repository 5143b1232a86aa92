package io.vmpulse.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live objects of this JVM by class, from {@code jcmd PID GC.class_histogram} (which runs a
 * full collection first, so only reachable objects are counted). Two histograms taken before and
 * after opening N listeners or connections give the bytes each one keeps, class by class.
 */
final class HeapHistogram {

    /** Instances and bytes of one class. */
    record Entry(long instances, long bytes) {}

    private final Map<String, Entry> byClass;
    private final long totalBytes;

    private HeapHistogram(Map<String, Entry> byClass, long totalBytes) {
        this.byClass = byClass;
        this.totalBytes = totalBytes;
    }

    /**
     * Has jcmd write this JVM's histogram to {@code file}. Only the file is kept: a parsed
     * histogram in this heap would count in the next one.
     */
    static void takeOfThisJvm(Path file) throws IOException, InterruptedException {
        Process jcmd =
                new ProcessBuilder(
                                "jcmd",
                                Long.toString(ProcessHandle.current().pid()),
                                "GC.class_histogram")
                        .redirectErrorStream(true)
                        .redirectOutput(file.toFile())
                        .start();
        if (jcmd.waitFor() != 0) {
            throw new IOException(
                    "jcmd GC.class_histogram failed: " + Files.readString(file).strip());
        }
    }

    static HeapHistogram read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses the histogram's rows ({@code " 1: 12345 678901 java.lang.String (java.base)"}) and its
     * {@code Total} line.
     */
    static HeapHistogram parse(List<String> lines) throws IOException {
        Map<String, Entry> byClass = new HashMap<>();
        long total = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals("Total")) {
                total = Long.parseLong(f[2]);
            } else if (f.length >= 4 && f[0].endsWith(":")) {
                byClass.merge(
                        f[3],
                        new Entry(Long.parseLong(f[1]), Long.parseLong(f[2])),
                        (a, b) -> new Entry(a.instances + b.instances, a.bytes + b.bytes));
            }
        }
        if (total < 0) {
            throw new IOException("no Total line in the class histogram");
        }
        return new HeapHistogram(byClass, total);
    }

    long totalBytes() {
        return totalBytes;
    }

    /**
     * The classes that grew most from {@code before} to this, per one of {@code n} units: one line
     * each, {@code bytes/unit instances/unit class}.
     */
    List<String> topGrowth(HeapHistogram before, int n, int limit) {
        record Growth(String cls, long bytes, long instances) {}
        Set<String> classes = new HashSet<>(byClass.keySet());
        classes.addAll(before.byClass.keySet());
        Entry none = new Entry(0, 0);
        List<Growth> rows = new ArrayList<>();
        for (String c : classes) {
            Entry a = before.byClass.getOrDefault(c, none);
            Entry b = byClass.getOrDefault(c, none);
            if (b.bytes != a.bytes) {
                rows.add(new Growth(c, b.bytes - a.bytes, b.instances - a.instances));
            }
        }
        rows.sort((x, y) -> Long.compare(y.bytes, x.bytes));
        List<String> out = new ArrayList<>();
        for (Growth g : rows.subList(0, Math.min(limit, rows.size()))) {
            out.add(
                    String.format(
                            "%8.1f B %6.2f x  %s",
                            g.bytes / (double) n, g.instances / (double) n, g.cls));
        }
        return out;
    }
}
