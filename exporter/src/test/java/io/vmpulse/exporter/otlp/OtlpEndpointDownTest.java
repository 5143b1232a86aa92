package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpEndpointDownTest {

    private static final String HEALTH_LOG = PushHealth.class.getName();

    private static OtlpSettings quickRetry(URI endpoint, Duration interval) {
        return OtlpSettings.of(endpoint, interval)
                .withRetry(2, Duration.ofMillis(10), Duration.ofSeconds(2));
    }

    @Test
    void a_down_receiver_costs_one_log_line_and_its_recovery_one() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        try (TestRegistry reg = new TestRegistry(4);
                OtlpReceiver rx = new OtlpReceiver();
                LogRecorder log = new LogRecorder();
                OtlpPusher pusher =
                        new OtlpPusher(reg.path, quickRetry(rx.endpoint(), Duration.ofHours(1)))) {
            reg.publish("vm-0", new FilledVm(0, now).record);
            reg.publish("vm-1", new FilledVm(1, now).record);
            assertTrue(pusher.pushOnce());
            rx.take();

            rx.answer(503);
            for (int i = 0; i < 4; i++) {
                assertFalse(pusher.pushOnce());
            }
            assertEquals(
                    1 + 4 * 2,
                    rx.attempts(),
                    "each failed push is tried exactly maxAttempts times");
            assertEquals(4, pusher.failuresInRow());
            assertFalse(pusher.up());

            rx.answer(200);
            assertTrue(pusher.pushOnce());
            assertTrue(pusher.pushOnce());
            List<String> lines = log.lines(HEALTH_LOG);
            assertEquals(3, lines.size(), lines.toString());
            assertTrue(
                    lines.get(0)
                            .startsWith(
                                    "INFO OTLP push to "
                                            + rx.endpoint()
                                            + "/v1/metrics delivered (2 VMs)"),
                    lines.get(0));
            assertTrue(
                    lines.get(1).startsWith("WARNING OTLP push to ")
                            && lines.get(1).contains("503"),
                    lines.get(1));
            assertTrue(lines.get(2).contains("working again after 4 failed pushes"), lines.get(2));
            assertEquals(
                    List.of(),
                    log.lines("io.opentelemetry"),
                    "the SDK's per-failure lines stay quiet");

            // Nothing was queued while down: the two pushes since carry one current point per
            // series.
            ReceivedPoints first = new ReceivedPoints(List.of(rx.take().request()));
            ReceivedPoints second = new ReceivedPoints(List.of(rx.take().request()));
            assertNull(rx.poll(), "no backlog is sent after an outage");
            assertEquals(first.byVm.get("vm-0").keySet(), second.byVm.get("vm-0").keySet());
        }
    }

    @Test
    void a_failed_request_ends_its_push_and_the_next_push_sends_every_vm_again() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        int vms = 2 * OtlpPusher.VMS_PER_REQUEST + 50;
        try (TestRegistry reg = new TestRegistry(vms);
                OtlpReceiver rx = new OtlpReceiver();
                OtlpPusher pusher =
                        new OtlpPusher(reg.path, quickRetry(rx.endpoint(), Duration.ofHours(1)))) {
            for (int i = 0; i < vms; i++) {
                reg.publish("vm-" + i, new FilledVm(i, now).record);
            }
            rx.acceptThenAnswer(1, 503);
            assertFalse(pusher.pushOnce());
            assertEquals(
                    1 + 2,
                    rx.attempts(),
                    "the first request, then the second tried twice; the third never sent");
            assertEquals(
                    OtlpPusher.VMS_PER_REQUEST,
                    new ReceivedPoints(
                                    rx.drain().stream()
                                            .map(OtlpReceiver.Received::request)
                                            .toList())
                            .byVm.size());

            rx.answer(200);
            assertTrue(pusher.pushOnce());
            assertEquals(
                    vms,
                    new ReceivedPoints(
                                    rx.drain().stream()
                                            .map(OtlpReceiver.Received::request)
                                            .toList())
                            .byVm.size());
        }
    }

    @Test
    void a_refused_connection_fails_the_push_without_throwing() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (TestRegistry reg = new TestRegistry(2);
                LogRecorder log = new LogRecorder();
                OtlpPusher pusher =
                        new OtlpPusher(
                                reg.path,
                                quickRetry(
                                        URI.create("http://127.0.0.1:" + closedPort),
                                        Duration.ofHours(1)))) {
            reg.publish("vm", new FilledVm(0, System.currentTimeMillis() * 1_000_000L).record);
            assertFalse(pusher.pushOnce());
            assertFalse(pusher.pushOnce());
            List<String> lines = log.lines(HEALTH_LOG);
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("WARNING"), lines.get(0));
        }
    }

    @Test
    void the_push_thread_keeps_pushing_through_a_missing_registry_and_a_failing_receiver()
            throws Exception {
        Path missing =
                Path.of(
                        "/dev/shm/vmpulse-otlp-missing-"
                                + ProcessHandle.current().pid()
                                + "-"
                                + System.nanoTime());
        try (OtlpReceiver rx = new OtlpReceiver();
                LogRecorder log = new LogRecorder();
                OtlpPusher pusher =
                        new OtlpPusher(missing, quickRetry(rx.endpoint(), Duration.ofMillis(50)))
                                .start()) {
            waitFor(() -> pusher.failuresInRow() >= 3, "pushes go on while there is no registry");
            assertEquals(0, rx.attempts());
            assertTrue(
                    log.lines(HEALTH_LOG).get(0).contains("cannot read the registry"),
                    log.lines(HEALTH_LOG).toString());
        }
        try (TestRegistry reg = new TestRegistry(2);
                OtlpReceiver rx = new OtlpReceiver()) {
            reg.publish("vm", new FilledVm(0, System.currentTimeMillis() * 1_000_000L).record);
            rx.answer(500);
            try (OtlpPusher pusher =
                    new OtlpPusher(reg.path, quickRetry(rx.endpoint(), Duration.ofMillis(50)))
                            .start()) {
                waitFor(() -> rx.attempts() >= 3, "pushes go on while the receiver fails");
                rx.answer(200);
                waitFor(pusher::up, "the push thread is still alive when the receiver comes back");
                assertNotNull(rx.take());
            }
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
