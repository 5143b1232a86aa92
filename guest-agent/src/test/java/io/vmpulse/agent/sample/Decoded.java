package io.vmpulse.agent.sample;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.proto.v1.Sample;
import java.nio.ByteBuffer;

/** What a sampler encodes, read back with the generated classes: the tests' independent decoder. */
public final class Decoded {

    private Decoded() {}

    /**
     * One sample from {@code sampler}, numbered 1, taken at a 1 s interval, as protobuf-java parses
     * it.
     */
    public static Sample sample(GuestSampler sampler) {
        SampleBuffer buffer = new SampleBuffer();
        new SampleEncoder().encode(1, sampler.read(), 1000, buffer);
        return parse(buffer);
    }

    public static Sample parse(SampleBuffer buffer) {
        try {
            return Sample.parseFrom(ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the encoder wrote bytes protobuf cannot parse", e);
        }
    }
}
