package io.vmpulse.collector.vmtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The image, kernel and initramfs of {@code images/build.sh}, built when missing or older than
 * their inputs.
 */
final class ImageBuild {

    private ImageBuild() {}

    /**
     * Returns {@code images/out}, after running build.sh if an output is missing or older than an
     * input.
     */
    static synchronized Path ensureBuilt(Path repo) throws IOException, InterruptedException {
        Path out = repo.resolve("images/out");
        FileTime newestInput =
                newest(
                        repo.resolve("guest-agent/target/guest-agent.jar"),
                        repo.resolve("images"),
                        out);
        boolean fresh = true;
        for (String f : List.of("rootfs.ext4", "vmlinuz", "initrd.img")) {
            Path p = out.resolve(f);
            fresh &= Files.exists(p) && Files.getLastModifiedTime(p).compareTo(newestInput) >= 0;
        }
        if (!fresh) {
            Path log = Files.createTempFile("vmpulse-image-build", ".log");
            Process p =
                    new ProcessBuilder(repo.resolve("images/build.sh").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(
                        "images/build.sh still running after 5 minutes; log " + log);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(
                        "images/build.sh failed (exit "
                                + p.exitValue()
                                + "):\n"
                                + Files.readString(log));
            }
            Files.delete(log);
        }
        return out;
    }

    /**
     * The newest modification time of {@code jar} and the files under {@code dir} outside {@code
     * skip}.
     */
    private static FileTime newest(Path jar, Path dir, Path skip) throws IOException {
        FileTime newest =
                Files.exists(jar) ? Files.getLastModifiedTime(jar) : FileTime.fromMillis(0);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p :
                    (Iterable<Path>)
                            files.filter(p -> !p.startsWith(skip) && Files.isRegularFile(p))
                                    ::iterator) {
                FileTime t = Files.getLastModifiedTime(p);
                newest = t.compareTo(newest) > 0 ? t : newest;
            }
        }
        return newest;
    }
}
