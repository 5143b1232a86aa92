package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CollectorAddressTest {

    @Test
    void vsock_uri_names_cid_and_port() {
        assertEquals(new CollectorAddress.Vsock(3, 5000), CollectorAddress.parse("vsock://3:5000"));
    }

    @Test
    void vsock_defaults_to_the_host_cid_and_the_documented_port() {
        CollectorAddress.Vsock expected = new CollectorAddress.Vsock(2, 7070);
        assertEquals(expected, CollectorAddress.parse("vsock://"));
        assertEquals(expected, CollectorAddress.parse("vsock://2"));
        assertEquals(expected, CollectorAddress.parse("vsock://:7070"));
        assertEquals(expected, CollectorAddress.parse(CollectorAddress.DEFAULT_URI));
    }

    @Test
    void vsock_port_is_unsigned_32_bit() {
        assertEquals(
                new CollectorAddress.Vsock(2, 4_294_967_294L),
                CollectorAddress.parse("vsock://2:4294967294"));
    }

    @Test
    void unix_uri_is_an_absolute_path() {
        assertEquals(
                new CollectorAddress.Unix(Path.of("/run/fc/v.sock_7070")),
                CollectorAddress.parse("unix:///run/fc/v.sock_7070"));
    }

    @Test
    void tcp_uri_takes_a_host_name_or_an_ipv6_literal() {
        assertEquals(
                new CollectorAddress.Tcp("localhost", 7070),
                CollectorAddress.parse("tcp://localhost:7070"));
        assertEquals(new CollectorAddress.Tcp("::1", 80), CollectorAddress.parse("tcp://[::1]:80"));
    }

    @Test
    void printed_form_parses_back_to_the_same_address() {
        for (String uri :
                new String[] {
                    "vsock://2:7070", "unix:///tmp/x.sock", "tcp://[::1]:80", "tcp://h:1"
                }) {
            CollectorAddress address = CollectorAddress.parse(uri);
            assertEquals(uri, address.toString());
            assertEquals(address, CollectorAddress.parse(address.toString()));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''                         | empty",
                "localhost:7070             | has no scheme",
                "http://localhost:80        | unknown scheme 'http'",
                "vsock://two:7070           | CID 'two' in collector URI 'vsock://two:7070' is not a number",
                "vsock://2:x                | port 'x' in collector URI 'vsock://2:x' is not a number",
                "vsock://2:4294967295       | port 4294967295 in collector URI 'vsock://2:4294967295' is out of range",
                "vsock://-1:7070            | CID -1 in collector URI 'vsock://-1:7070' is out of range",
                "vsock://2:7070/path        | has a path",
                "unix://                    | has no socket path",
                "unix://run/x.sock          | 'run/x.sock' in collector URI 'unix://run/x.sock' is relative",
                "tcp://localhost            | has no port",
                "tcp://localhost:           | has no port",
                "tcp://:80                  | has no host",
                "tcp://localhost:http       | tcp port 'http' in collector URI 'tcp://localhost:http' is not a number",
                "tcp://localhost:0          | tcp port 0 in collector URI 'tcp://localhost:0' is out of range 1..65535",
                "tcp://localhost:65536      | tcp port 65536 in collector URI 'tcp://localhost:65536' is out of range",
                "tcp://[::1                 | unclosed '['",
            })
    void a_bad_uri_gets_a_one_line_error_naming_what_is_wrong(String uri, String expected) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CollectorAddress.parse(uri));
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void a_unix_path_longer_than_sun_path_is_refused() {
        String path = "/" + "d".repeat(CollectorAddress.UNIX_PATH_MAX_BYTES);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> CollectorAddress.parse("unix://" + path));
        assertTrue(e.getMessage().contains("is 108 bytes long; the limit is 107"), e.getMessage());
        CollectorAddress.parse(
                "unix://" + path.substring(0, CollectorAddress.UNIX_PATH_MAX_BYTES)); // 107 is fine
    }
}
