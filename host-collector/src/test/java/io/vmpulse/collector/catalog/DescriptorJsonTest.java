package io.vmpulse.collector.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.proto.control.v1.VmDescriptor;
import org.junit.jupiter.api.Test;

class DescriptorJsonTest {

    private static InvalidDescriptorException rejected(final String json) {
        return assertThrows(InvalidDescriptorException.class, () -> DescriptorJson.parse(json));
    }

    @Test
    void every_good_fixture_parses_and_prints_back_to_the_same_message() throws Exception {
        for (String name : Fixtures.GOOD) {
            final VmDescriptor d = DescriptorJson.parse(Fixtures.text(name));
            assertEquals(d, DescriptorJson.parse(DescriptorJson.print(d)), name);
        }
    }

    @Test
    void printed_json_uses_the_proto_field_names() throws Exception {
        final String printed =
                DescriptorJson.print(DescriptorJson.parse(Fixtures.text("good/fc-1.json")));
        assertTrue(printed.contains("\"uds_path\""), printed);
        assertTrue(printed.contains("\"vmm_pid\""), printed);
    }

    @Test
    void unknown_field_is_named_with_its_path() {
        final InvalidDescriptorException e = rejected(Fixtures.text("bad/unknown-field.json"));
        assertEquals("guest.tcp.prot", e.field());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "field guest.tcp.prot: unknown field; TcpEndpoint has host, port"),
                e.getMessage());
    }

    @Test
    void two_guest_endpoints_are_rejected_naming_both() {
        final InvalidDescriptorException e = rejected(Fixtures.text("bad/two-endpoints.json"));
        assertEquals("guest", e.field());
        assertTrue(e.getMessage().contains("sets both vsock_cid and tcp"), e.getMessage());
    }

    @Test
    void malformed_json_reports_line_and_column() {
        final InvalidDescriptorException e = rejected(Fixtures.text("bad/malformed.json"));
        assertEquals("", e.field());
        assertTrue(
                e.getMessage().startsWith("malformed JSON:") && e.getMessage().contains("line 3"),
                e.getMessage());
    }

    @Test
    void duplicate_key_is_rejected_instead_of_last_one_winning() {
        assertEquals("id", rejected("{\"id\": \"a\", \"id\": \"b\"}").field());
    }

    @Test
    void proto_and_json_spellings_of_one_field_count_as_a_duplicate() {
        assertEquals("vmm_pid", rejected("{\"vmm_pid\": 1, \"vmmPid\": 2}").field());
    }

    @Test
    void data_after_the_object_is_rejected() {
        final InvalidDescriptorException e = rejected("{\"id\": \"a\"} {\"id\": \"b\"}");
        assertTrue(e.getMessage().contains("after the descriptor"), e.getMessage());
    }

    @Test
    void wrong_json_types_name_the_field() {
        assertEquals("id", rejected("{\"id\": 5}").field());
        assertEquals("id", rejected("{\"id\": [\"a\"]}").field());
        assertEquals("taps", rejected("{\"taps\": \"tap0\"}").field());
        assertEquals("taps[1]", rejected("{\"taps\": [\"tap0\", 1]}").field());
        assertEquals("balloon", rejected("{\"balloon\": \"yes\"}").field());
        assertEquals("guest", rejected("{\"guest\": null}").field());
    }

    @Test
    void integers_must_be_whole_and_in_the_field_type_range() {
        assertEquals("guest.tcp.port", rejected("{\"guest\": {\"tcp\": {\"port\": 1.5}}}").field());
        assertEquals("guest.vsock_cid", rejected("{\"guest\": {\"vsock_cid\": -1}}").field());
        assertEquals(
                "guest.vsock_cid", rejected("{\"guest\": {\"vsock_cid\": 4294967296}}").field());
        assertEquals("vmm_pid", rejected("{\"vmm_pid\": 2147483648}").field());
    }

    @Test
    void a_document_that_is_not_an_object_is_rejected() {
        assertTrue(rejected("[]").getMessage().contains("one JSON object"));
        assertTrue(rejected("").getMessage().startsWith("malformed JSON"));
    }

    @Test
    void labels_are_an_object_of_strings_with_each_key_once() throws Exception {
        final String head =
                "{\"id\":\"a\",\"hypervisor\":\"none\",\"guest\":{\"tcp\":{\"host\":\"127.0.0.1\",\"port\":1}},";
        assertEquals(
                "acme",
                DescriptorJson.parse(head + "\"labels\":{\"tenant\":\"acme\"}}")
                        .getLabelsMap()
                        .get("tenant"));
        assertEquals(
                "field labels: key \"tenant\" appears twice",
                rejected(head + "\"labels\":{\"tenant\":\"a\",\"tenant\":\"b\"}}").getMessage());
        assertEquals("labels.tenant", rejected(head + "\"labels\":{\"tenant\":7}}").field());
        assertEquals("labels", rejected(head + "\"labels\":[\"tenant\"]}").field());
        assertEquals("labels.tenant", rejected(head + "\"labels\":{\"tenant\":null}}").field());
    }
}
