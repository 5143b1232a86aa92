package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Something a test needs that a developer's machine may lack (the Debian prometheus package, the
 * demo's jars). A missing one skips the test, except where {@value #STRICT_ENV}=1, which {@code
 * .ci/run} sets: there everything is installed and built, so a skip would hide a regression behind
 * a green build, and it fails instead. Same contract as the guest agent's.
 */
final class Prerequisites {

    static final String STRICT_ENV = "VMPULSE_TESTS_STRICT";

    private Prerequisites() {}

    static void require(boolean met, String missing) {
        if (met) {
            return;
        }
        if ("1".equals(System.getenv(STRICT_ENV))) {
            fail(missing + " (" + STRICT_ENV + "=1: a missing prerequisite fails the test)");
        }
        assumeTrue(false, missing);
    }
}
