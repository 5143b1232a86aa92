package io.vmpulse.collector.session;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many guest samples may wait for the merge across all VMs, beyond the one per VM that always
 * may. A VM's waiting samples are published in order (VmSession), but a merge pool that falls
 * seconds behind at thousands of VMs must not hold seconds of every VM's parsed samples: past this
 * budget, a VM's oldest waiting sample is superseded instead (and counted as dropped).
 */
final class ArrivalBudget {

    private final AtomicInteger left;

    ArrivalBudget(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0, got " + permits);
        }
        this.left = new AtomicInteger(permits);
    }

    /** Takes one permit; false (nothing taken) when none is left. */
    boolean tryTake() {
        while (true) {
            int n = left.get();
            if (n == 0) {
                return false;
            }
            if (left.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    void release(int permits) {
        left.addAndGet(permits);
    }
}
