package io.vmpulse.bench.agent;

import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;

/** Prints the mount points the sampler reports, one per line: the C loop stats the same ones. */
public final class ListFilesystems {

    private ListFilesystems() {
    }

    public static void main(String[] args) {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            Sample.Builder sample = Sample.newBuilder();
            sampler.sampleInto(sample);
            for (Filesystem fs : sample.getFilesystemsList()) {
                System.out.println(fs.getMountPoint());
            }
        }
    }
}
