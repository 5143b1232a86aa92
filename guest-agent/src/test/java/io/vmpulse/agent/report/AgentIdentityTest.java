package io.vmpulse.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class AgentIdentityTest {

    @Test
    void instance_ids_are_version_4_uuids_that_differ_between_agents() {
        String first = AgentIdentity.newInstanceId();
        String second = AgentIdentity.newInstanceId();
        assertEquals(first, UUID.fromString(first).toString(), "canonical lower-case form");
        assertEquals(4, UUID.fromString(first).version());
        assertEquals(2, UUID.fromString(first).variant());
        assertNotEquals(first, second);
    }
}
