package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.threads.DaemonThreads;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BatchingExecutorTest {

    @Test
    void every_task_runs_once_on_a_worker_thread() throws InterruptedException {
        try (BatchingExecutor e =
                new BatchingExecutor(2, Duration.ofMillis(5), DaemonThreads.named("test-merge"))) {
            int n = 10_000;
            CountDownLatch done = new CountDownLatch(n);
            Set<Integer> ran = ConcurrentHashMap.newKeySet();
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < n; i++) {
                int id = i;
                e.execute(
                        () -> {
                            assertTrue(ran.add(id), "task " + id + " ran twice");
                            threads.add(Thread.currentThread());
                            done.countDown();
                        });
            }
            assertTrue(done.await(20, TimeUnit.SECONDS), done.getCount() + " tasks never ran");
            assertEquals(n, ran.size());
            threads.forEach(t -> assertNotSame(Thread.currentThread(), t));
            assertTrue(
                    threads.stream().allMatch(t -> t.getName().startsWith("test-merge")),
                    threads.toString());
        }
    }

    @Test
    void a_task_that_throws_does_not_stop_the_worker() throws InterruptedException {
        try (BatchingExecutor e =
                new BatchingExecutor(1, Duration.ofMillis(5), DaemonThreads.named("test-merge"))) {
            CountDownLatch after = new CountDownLatch(1);
            e.execute(
                    () -> {
                        throw new IllegalStateException("boom");
                    });
            e.execute(after::countDown);
            assertTrue(after.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void a_closed_executor_refuses_work() {
        BatchingExecutor e =
                new BatchingExecutor(1, Duration.ofMillis(5), DaemonThreads.named("test-merge"));
        e.close();
        assertThrows(RejectedExecutionException.class, () -> e.execute(() -> {}));
    }
}
