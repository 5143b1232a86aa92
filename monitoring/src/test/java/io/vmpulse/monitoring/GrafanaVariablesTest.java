package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The interpolation the lint and the end-to-end test rely on, in every syntax Grafana accepts. */
class GrafanaVariablesTest {

    private static final Map<String, String> VALUES =
            Map.of("vm_id", "vm-a", "__rate_interval", "15s");

    @Test
    void fills_in_every_reference_syntax() {
        assertEquals(
                "x{vm_id=\"vm-a\",a=\"vm-a\",b=\"vm-a\",c=\"vm-a\"}[15s]",
                GrafanaVariables.substitute(
                        "x{vm_id=\"$vm_id\",a=\"${vm_id}\",b=\"[[vm_id]]\",c=\"${vm_id:regex}\"}[$__rate_interval]",
                        VALUES));
    }

    @Test
    void leaves_an_unknown_variable_for_the_lint_to_see() {
        String out = GrafanaVariables.substitute("rate(x{vm_id=\"$vm\"}[$__range])", VALUES);
        assertEquals("rate(x{vm_id=\"$vm\"}[$__range])", out);
        assertTrue(GrafanaVariables.hasReference(out));
        assertFalse(
                GrafanaVariables.hasReference(
                        GrafanaVariables.substitute("x{vm_id=\"$vm_id\"}", VALUES)));
    }
}
