package io.vmpulse.collector.vmtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The image, kernel and initramfs of {@code images/build.sh}, built when missing or older than the agent. */
final class ImageBuild {

    private ImageBuild() {
    }

    /** Returns {@code images/out}, after running build.sh if needed. */
    static synchronized Path ensureBuilt(Path repo) throws IOException, InterruptedException {
        Path out = repo.resolve("images/out");
        Path agentJar = repo.resolve("guest-agent/target/guest-agent.jar");
        boolean fresh = true;
        for (String f : List.of("rootfs.ext4", "vmlinuz", "initrd.img")) {
            Path p = out.resolve(f);
            fresh &= Files.exists(p) && (!Files.exists(agentJar)
                    || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(agentJar)) >= 0);
        }
        if (!fresh) {
            Path log = Files.createTempFile("vmpulse-image-build", ".log");
            Process p = new ProcessBuilder(repo.resolve("images/build.sh").toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("images/build.sh still running after 10 minutes; log " + log);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("images/build.sh failed (exit " + p.exitValue() + "):\n" + Files.readString(log));
            }
            Files.delete(log);
        }
        return out;
    }
}
