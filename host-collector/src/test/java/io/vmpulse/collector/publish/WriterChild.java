package io.vmpulse.collector.publish;

import io.vmpulse.registry.layout.VmRecord;
import java.nio.file.Path;

/**
 * A collector stand-in run as a separate JVM by the restart tests: creates the registry given as
 * argument, claims one slot, says READY and publishes at full speed until killed (or 120 s).
 */
public final class WriterChild {

    private WriterChild() {}

    public static void main(String[] args) throws Exception {
        RegistryWriter w = RegistryWriter.create(new RegistryOptions(Path.of(args[0]), 4, null));
        int slot = w.claim("child-vm");
        VmRecord s = new VmRecord();
        SamplePattern.fillText(s, "child");
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (long k = 1; System.nanoTime() < deadline; k++) {
            SamplePattern.fillNumbers(s, k);
            w.publish(slot, s);
            if (k % 1024 == 0) {
                w.heartbeat();
            }
        }
    }
}
