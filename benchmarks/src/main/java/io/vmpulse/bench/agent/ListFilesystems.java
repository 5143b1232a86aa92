package io.vmpulse.bench.agent;

import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.proto.v1.Filesystem;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;

/** Prints the mount points the sampler reports, one per line: the C loop stats the same ones. */
public final class ListFilesystems {

    private ListFilesystems() {}

    public static void main(String[] args) throws Exception {
        try (ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT)) {
            SampleBuffer buffer = new SampleBuffer();
            new SampleEncoder().encode(1, sampler.read(), 1000, buffer);
            Sample sample = Sample.parseFrom(ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
            for (Filesystem fs : sample.getFilesystemsList()) {
                System.out.println(fs.getMountPoint());
            }
        }
    }
}
