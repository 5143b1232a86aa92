package io.vmpulse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The name finder the lint relies on: it must neither miss a name nor take a label or function for
 * one.
 */
class PromqlNamesTest {

    @Test
    void finds_names_beside_functions_aggregations_matchers_and_grouping() {
        String expr =
                "topk(10, sum without (cpu, mode) (rate(a_total{mode=\"steal\", x=~\"b_total|c\"}[$__rate_interval])))"
                        + " / on (vm_id) group_left (hypervisor) b:rec:ratio offset 5m"
                        + " and predict_linear(c_bytes[6h], 24 * 3600) < 1e3 or vector(0) > bool d";
        assertEquals(Set.of("a_total", "b:rec:ratio", "c_bytes", "d"), PromqlNames.of(expr));
    }

    @Test
    void a_name_followed_by_a_space_and_a_parenthesis_is_a_function() {
        assertEquals(Set.of("x"), PromqlNames.of("sum (x) by (vm_id)"));
    }

    @Test
    void finds_a_bare_name() {
        assertEquals(Set.of("vmpulse_vm_info"), PromqlNames.of("vmpulse_vm_info"));
    }
}
