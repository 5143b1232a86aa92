package io.vmpulse.agent.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps a copy of every inbound message and counts onClose calls. */
final class RecordingListener implements GrpcCall.Listener {

    private final List<byte[]> messages = new ArrayList<>();
    final AtomicInteger closes = new AtomicInteger();
    final CompletableFuture<GrpcStatus> closed = new CompletableFuture<>();

    @Override
    public synchronized void onMessage(byte[] buf, int off, int len) {
        messages.add(Arrays.copyOfRange(buf, off, off + len));
        notifyAll();
    }

    @Override
    public void onClose(GrpcStatus status) {
        closes.incrementAndGet();
        closed.complete(status);
    }

    synchronized List<byte[]> messages() {
        return List.copyOf(messages);
    }

    synchronized List<byte[]> awaitMessages(int count, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (messages.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || closed.isDone()) {
                throw new AssertionError(
                        "got "
                                + messages.size()
                                + " of "
                                + count
                                + " messages; call "
                                + (closed.isDone()
                                        ? "ended: " + closed.getNow(null)
                                        : "still open"));
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return List.copyOf(messages);
    }

    GrpcStatus awaitClose() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }
}
