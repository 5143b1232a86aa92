package io.vmpulse.exporter.otlp;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether pushes are getting through, logged once per change: the first delivery, the first failure
 * after deliveries (with its reason), and the recovery (with how many pushes failed). A receiver
 * that stays down for a day costs one line, not one per push.
 */
final class PushHealth {

    private static final Logger LOG = Logger.getLogger(PushHealth.class.getName());

    private enum State {
        UNKNOWN,
        UP,
        DOWN
    }

    private final String target;
    private State state = State.UNKNOWN;
    private long failuresInRow;

    PushHealth(String target) {
        this.target = target;
    }

    synchronized void delivered(int vms) {
        if (state == State.DOWN) {
            LOG.info(
                    "OTLP push to "
                            + target
                            + " working again after "
                            + failuresInRow
                            + " failed push"
                            + (failuresInRow == 1 ? "" : "es")
                            + " ("
                            + vms(vms)
                            + ")");
        } else if (state == State.UNKNOWN) {
            LOG.info("OTLP push to " + target + " delivered (" + vms(vms) + ")");
        }
        state = State.UP;
        failuresInRow = 0;
    }

    synchronized void failed(String reason) {
        failuresInRow++;
        if (state != State.DOWN) {
            LOG.log(
                    Level.WARNING,
                    "OTLP push to "
                            + target
                            + " failing: "
                            + reason
                            + "; retrying at every interval, nothing is queued meanwhile");
        }
        state = State.DOWN;
    }

    private static String vms(int n) {
        return n == 1 ? "1 VM" : n + " VMs";
    }

    synchronized boolean up() {
        return state == State.UP;
    }

    synchronized long failuresInRow() {
        return failuresInRow;
    }
}
