import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.okhttp.OkHttpServerBuilder;
import io.grpc.protobuf.lite.ProtoLiteUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vmpulse.agent.sample.ProcfsSampler;
import io.vmpulse.agent.wire.SampleBuffer;
import io.vmpulse.agent.wire.SampleEncoder;
import io.vmpulse.proto.v1.Ack;
import io.vmpulse.proto.v1.AgentMessage;
import io.vmpulse.proto.v1.CollectorMessage;
import io.vmpulse.proto.v1.Hello;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.proto.v1.Welcome;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Throwaway harness (benchmarks/scripts/agent-grpc-okhttp.sh): "server PORT" is a gRPC server on grpc-okhttp that
 * welcomes and acknowledges as AckingCollector does and prints "received N" every second; "client
 * PORT INTERVAL_MS" is what an agent on grpc-okhttp and protobuf-javalite would be: the agent's
 * own sampler and encoder, the bytes parsed into the lite Sample, sent on a bidi stream.
 */
public final class Harness {

    static final MethodDescriptor<AgentMessage, CollectorMessage> REPORT =
            MethodDescriptor.<AgentMessage, CollectorMessage>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName("vmpulse.agent.v1.GuestReport/Report")
                    .setRequestMarshaller(ProtoLiteUtils.marshaller(AgentMessage.getDefaultInstance()))
                    .setResponseMarshaller(ProtoLiteUtils.marshaller(CollectorMessage.getDefaultInstance()))
                    .build();

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            server(Integer.parseInt(args[1]));
        } else {
            client(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        }
    }

    static void server(int port) throws Exception {
        AtomicLong received = new AtomicLong();
        ServerServiceDefinition service = ServerServiceDefinition.builder("vmpulse.agent.v1.GuestReport")
                .addMethod(REPORT, ServerCalls.asyncBidiStreamingCall(responses -> new StreamObserver<AgentMessage>() {
                    long last;
                    long count;

                    @Override
                    public void onNext(AgentMessage m) {
                        if (m.hasHello()) {
                            responses.onNext(CollectorMessage.newBuilder().setWelcome(Welcome.getDefaultInstance()).build());
                        } else if (m.hasSample()) {
                            received.incrementAndGet();
                            last = m.getSample().getSeq();
                            if (++count % 8 == 0) {
                                responses.onNext(CollectorMessage.newBuilder().setAck(Ack.newBuilder().setSeq(last)).build());
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                }))
                .build();
        Server server = OkHttpServerBuilder.forPort(port, InsecureServerCredentials.create()).addService(service).build().start();
        while (true) {
            System.out.println("received " + received.get());
            Thread.sleep(1000);
        }
    }

    static void client(int port, int intervalMs) throws Exception {
        ManagedChannel channel = OkHttpChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        StreamObserver<AgentMessage> out = ClientCalls.asyncBidiStreamingCall(channel.newCall(REPORT, CallOptions.DEFAULT),
                new StreamObserver<CollectorMessage>() {
                    @Override
                    public void onNext(CollectorMessage m) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        t.printStackTrace();
                        System.exit(1);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentName("okhttp-harness").setIntervalMs(intervalMs)).build());
        ProcfsSampler sampler = new ProcfsSampler(ProcfsSampler.DEFAULT_STATFS_TIMEOUT);
        SampleEncoder encoder = new SampleEncoder();
        SampleBuffer buffer = new SampleBuffer();
        long interval = intervalMs * 1_000_000L;
        long due = System.nanoTime();
        for (long seq = 1; ; seq++) {
            encoder.encode(seq, sampler.read(), intervalMs, buffer);
            Sample sample;
            try {
                sample = Sample.parseFrom(java.nio.ByteBuffer.wrap(buffer.array(), 0, buffer.length()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            out.onNext(AgentMessage.newBuilder().setSample(sample).build());
            due += interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }
}
