package io.vmpulse.agent.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Something a test needs from the machine (root, /dev/fuse, AF_VSOCK) that a developer's machine
 * may lack. A missing one skips the test, except where {@value #STRICT_ENV}=1, which {@code
 * .ci/run} sets: CI runs as root on a machine that has them all, so a skip there would hide a
 * regression behind a green build, and it fails instead.
 */
public final class Prerequisites {

    public static final String STRICT_ENV = "VMPULSE_TESTS_STRICT";

    private Prerequisites() {}

    /** Skips (or, under {@value #STRICT_ENV}=1, fails) the test when {@code met} is false. */
    public static void require(boolean met, String missing) {
        if (met) {
            return;
        }
        if ("1".equals(System.getenv(STRICT_ENV))) {
            fail(missing + " (" + STRICT_ENV + "=1: a missing prerequisite fails the test)");
        }
        assumeTrue(false, missing);
    }
}
