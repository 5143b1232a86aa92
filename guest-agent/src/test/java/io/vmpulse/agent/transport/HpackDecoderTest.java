package io.vmpulse.agent.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RFC 7541 Appendix C, byte for byte, and input a hostile server could send. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HpackDecoderTest {

    private static final int LIST_LIMIT = 8192;

    private static List<String> decode(HpackDecoder decoder, String hex) throws Http2Exception {
        byte[] block = HexFormat.of().parseHex(hex.replace(" ", ""));
        List<String> fields = new ArrayList<>();
        decoder.decode(block, 0, block.length, (name, value) -> fields.add(name + ": " + value));
        return fields;
    }

    private static List<String> table(HpackDecoder decoder) {
        List<String> entries = new ArrayList<>();
        for (int i = 1; i <= decoder.tableLength(); i++) {
            entries.add(decoder.tableEntry(i));
        }
        return entries;
    }

    @Test
    void c2_1_literal_with_indexing_enters_the_dynamic_table() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(
                List.of("custom-key: custom-header"),
                decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        assertEquals(List.of("custom-key: custom-header"), table(d));
        assertEquals(55, d.tableSize());
    }

    @Test
    void c2_2_literal_without_indexing_leaves_the_table_empty() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(
                List.of(":path: /sample/path"), decode(d, "040c 2f73 616d 706c 652f 7061 7468"));
        assertEquals(0, d.tableLength());
        assertEquals(0, d.tableSize());
    }

    @Test
    void c2_3_never_indexed_literal_leaves_the_table_empty() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(
                List.of("password: secret"),
                decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74"));
        assertEquals(0, d.tableLength());
    }

    @Test
    void c2_4_indexed_field_comes_from_the_static_table() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(List.of(":method: GET"), decode(d, "82"));
        assertEquals(0, d.tableLength());
    }

    @Test
    void c3_requests_without_huffman_share_one_dynamic_table() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(
                List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"),
                decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        assertEquals(List.of(":authority: www.example.com"), table(d));
        assertEquals(57, d.tableSize());

        assertEquals(
                List.of(
                        ":method: GET",
                        ":scheme: http",
                        ":path: /",
                        ":authority: www.example.com",
                        "cache-control: no-cache"),
                decode(d, "8286 84be 5808 6e6f 2d63 6163 6865"));
        assertEquals(List.of("cache-control: no-cache", ":authority: www.example.com"), table(d));
        assertEquals(110, d.tableSize());

        assertEquals(
                List.of(
                        ":method: GET",
                        ":scheme: https",
                        ":path: /index.html",
                        ":authority: www.example.com",
                        "custom-key: custom-value"),
                decode(
                        d,
                        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"));
        assertEquals(
                List.of(
                        "custom-key: custom-value",
                        "cache-control: no-cache",
                        ":authority: www.example.com"),
                table(d));
        assertEquals(164, d.tableSize());
    }

    @Test
    void c4_requests_with_huffman_decode_to_the_same_fields() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        assertEquals(
                List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"),
                decode(d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"));
        assertEquals(57, d.tableSize());
        assertEquals(
                List.of(
                        ":method: GET",
                        ":scheme: http",
                        ":path: /",
                        ":authority: www.example.com",
                        "cache-control: no-cache"),
                decode(d, "8286 84be 5886 a8eb 1064 9cbf"));
        assertEquals(110, d.tableSize());
        assertEquals(
                List.of(
                        ":method: GET",
                        ":scheme: https",
                        ":path: /index.html",
                        ":authority: www.example.com",
                        "custom-key: custom-value"),
                decode(d, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"));
        assertEquals(
                List.of(
                        "custom-key: custom-value",
                        "cache-control: no-cache",
                        ":authority: www.example.com"),
                table(d));
        assertEquals(164, d.tableSize());
    }

    private static final List<String> C5_FIRST =
            List.of(
                    ":status: 302",
                    "cache-control: private",
                    "date: Mon, 21 Oct 2013 20:13:21 GMT",
                    "location: https://www.example.com");
    private static final List<String> C5_SECOND =
            List.of(
                    ":status: 307",
                    "cache-control: private",
                    "date: Mon, 21 Oct 2013 20:13:21 GMT",
                    "location: https://www.example.com");
    private static final List<String> C5_THIRD =
            List.of(
                    ":status: 200",
                    "cache-control: private",
                    "date: Mon, 21 Oct 2013 20:13:22 GMT",
                    "location: https://www.example.com",
                    "content-encoding: gzip",
                    "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");

    @Test
    void c5_responses_without_huffman_evict_the_oldest_entries_of_a_256_byte_table()
            throws Exception {
        HpackDecoder d = new HpackDecoder(256, LIST_LIMIT);
        assertEquals(
                C5_FIRST,
                decode(
                        d,
                        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420"
                                + "3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65"
                                + "2e63 6f6d"));
        assertEquals(
                List.of(
                        "location: https://www.example.com",
                        "date: Mon, 21 Oct 2013 20:13:21 GMT",
                        "cache-control: private",
                        ":status: 302"),
                table(d));
        assertEquals(222, d.tableSize());

        assertEquals(C5_SECOND, decode(d, "4803 3330 37c1 c0bf"));
        assertEquals(
                List.of(
                        ":status: 307",
                        "location: https://www.example.com",
                        "date: Mon, 21 Oct 2013 20:13:21 GMT",
                        "cache-control: private"),
                table(d));
        assertEquals(222, d.tableSize());

        assertEquals(
                C5_THIRD,
                decode(
                        d,
                        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32"
                                + "3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541"
                                + "5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31"));
        assertEquals(
                List.of(
                        "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
                        "content-encoding: gzip",
                        "date: Mon, 21 Oct 2013 20:13:22 GMT"),
                table(d));
        assertEquals(215, d.tableSize());
    }

    @Test
    void c6_responses_with_huffman_evict_the_oldest_entries_of_a_256_byte_table() throws Exception {
        HpackDecoder d = new HpackDecoder(256, LIST_LIMIT);
        assertEquals(
                C5_FIRST,
                decode(
                        d,
                        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81"
                                + "66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"));
        assertEquals(222, d.tableSize());

        assertEquals(C5_SECOND, decode(d, "4883 640e ffc1 c0bf"));
        assertEquals(
                List.of(
                        ":status: 307",
                        "location: https://www.example.com",
                        "date: Mon, 21 Oct 2013 20:13:21 GMT",
                        "cache-control: private"),
                table(d));
        assertEquals(222, d.tableSize());

        assertEquals(
                C5_THIRD,
                decode(
                        d,
                        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a"
                                + "839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587"
                                + "3160 65c0 03ed 4ee5 b106 3d50 07"));
        assertEquals(
                List.of(
                        "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
                        "content-encoding: gzip",
                        "date: Mon, 21 Oct 2013 20:13:22 GMT"),
                table(d));
        assertEquals(215, d.tableSize());
    }

    @Test
    void the_huffman_table_matches_netty_for_all_257_symbols() throws Exception {
        Class<?> util =
                Class.forName("io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackUtil");
        Field codes = util.getDeclaredField("HUFFMAN_CODES");
        Field lengths = util.getDeclaredField("HUFFMAN_CODE_LENGTHS");
        codes.setAccessible(true);
        lengths.setAccessible(true);
        int[] nettyCodes = (int[]) codes.get(null);
        byte[] nettyLengths = (byte[]) lengths.get(null);
        assertEquals(Huffman.SYMBOLS, nettyCodes.length);
        assertArrayEquals(nettyLengths, Huffman.CODE_LENGTHS);
        assertArrayEquals(nettyCodes, Huffman.CODES);
    }

    @Test
    void a_dynamic_table_size_update_evicts_down_to_the_new_size() throws Exception {
        HpackDecoder d = new HpackDecoder(4096, LIST_LIMIT);
        decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
        assertEquals(1, d.tableLength());
        // 0x20 | 0: size update to 0, then indexed :method GET.
        assertEquals(List.of(":method: GET"), decode(d, "20 82"));
        assertEquals(0, d.tableLength());
        assertEquals(0, d.tableSize());
    }

    private static String rejection(int tableSize, String hex) {
        HpackDecoder d = new HpackDecoder(tableSize, LIST_LIMIT);
        Http2Exception e = assertThrows(Http2Exception.class, () -> decode(d, hex));
        assertEquals(Http2Exception.COMPRESSION_ERROR, e.errorCode());
        return e.getMessage();
    }

    @Test
    void a_truncated_integer_is_rejected() {
        assertEquals(
                "HPACK integer is truncated at the end of the header block",
                rejection(4096, "ff 80"));
    }

    @Test
    void an_integer_above_2_to_the_31_is_rejected() {
        assertEquals("HPACK integer exceeds 2^31 - 1", rejection(4096, "ff ff ff ff ff 0f"));
    }

    @Test
    void a_string_longer_than_the_header_list_limit_is_rejected() {
        // 0x40: literal with a new name; 0x7f + 8874 continuation = a 9001-byte name.
        assertEquals(
                "HPACK string literal of 9001 bytes exceeds the limit of 8192",
                rejection(4096, "40 7f aa 45"));
    }

    @Test
    void a_string_running_past_the_block_is_rejected() {
        assertEquals(
                "HPACK string literal of 10 bytes is truncated: 4 remain in the header block",
                rejection(4096, "400a 6375 7374"));
    }

    @Test
    void huffman_padding_that_is_not_all_ones_is_rejected() {
        // '0' is 00000, then three padding bits 000.
        assertEquals(
                "Huffman-coded string has padding that is not all ones",
                rejection(4096, "0081 00 00"));
    }

    @Test
    void huffman_padding_of_eight_bits_is_rejected() {
        // 'a' (00011) then 3 + 8 one bits: 11 bits of padding.
        assertEquals(
                "Huffman-coded string has 11 bits of padding; at most 7 are allowed",
                rejection(4096, "0082 1f ff 00"));
    }

    @Test
    void eos_inside_a_huffman_string_is_rejected() {
        assertEquals("Huffman-coded string contains EOS", rejection(4096, "0084 ff ff ff ff 00"));
    }

    @Test
    void an_index_past_both_tables_is_rejected() {
        assertEquals(
                "HPACK index 62 is out of range: the tables hold 61 entries",
                rejection(4096, "be"));
    }

    @Test
    void index_zero_is_rejected() {
        assertEquals("HPACK indexed field with index 0", rejection(4096, "80"));
    }

    @Test
    void a_size_update_above_the_advertised_table_size_is_rejected() {
        // 0x3f + 4066 = 4097.
        assertEquals(
                "HPACK dynamic table size update to 4097 exceeds the advertised 4096",
                rejection(4096, "3f e2 1f"));
    }

    @Test
    void a_size_update_after_a_field_is_rejected() {
        assertEquals(
                "HPACK dynamic table size update after a header field", rejection(4096, "82 20"));
    }

    @Test
    void a_header_list_over_the_limit_is_rejected() {
        // Three never-indexed fields "x: <3000 bytes>" (0x7f + 2873), 3033 bytes each by the RFC
        // 9113 count.
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            hex.append("10 01 78 7f b9 16").append("61".repeat(3000));
        }
        assertEquals("HPACK header list exceeds 8192 bytes", rejection(4096, hex.toString()));
    }
}
