package io.vmpulse.agent.transport;

/**
 * The HPACK Huffman code (RFC 7541 Appendix B) and its decoder.
 *
 * <p>The code is canonical: codes of one length are consecutive numbers in symbol order, and the
 * first code of each length follows from the counts of shorter ones. So the table below holds only
 * each symbol's code length, and {@link #CODES} is derived from it; a test checks the result
 * against Netty's copy of Appendix B, code for code.
 *
 * <p>Decoding walks the input one bit at a time, keeping the code read so far and its length; a
 * code of length L is complete when it falls within the L-bit codes. That is slow next to a
 * table-driven decoder but small, and it runs only on response headers, once per call.
 */
final class Huffman {

    static final int EOS = 256;
    static final int SYMBOLS = EOS + 1;
    static final int MAX_CODE_LENGTH = 30;

    /** RFC 7541 section 5.2: padding is the most significant bits of EOS, at most 7 of them. */
    private static final int MAX_PADDING_BITS = 7;

    /** Appendix B, column "len", for symbols 0..256 (256 is EOS). */
    static final byte[] CODE_LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    };

    /** Appendix B, column "code as hex", derived canonically from {@link #CODE_LENGTHS}. */
    static final int[] CODES = new int[SYMBOLS];

    /**
     * Symbols ordered by (code length, symbol): the order in which canonical codes are handed out.
     */
    private static final short[] SORTED_SYMBOLS = new short[SYMBOLS];

    /**
     * For each length L: the first L-bit code, and where its symbols start in {@link
     * #SORTED_SYMBOLS}.
     */
    private static final int[] FIRST_CODE = new int[MAX_CODE_LENGTH + 1];

    private static final int[] FIRST_INDEX = new int[MAX_CODE_LENGTH + 1];
    private static final int[] COUNT = new int[MAX_CODE_LENGTH + 1];

    static {
        for (byte length : CODE_LENGTHS) {
            COUNT[length]++;
        }
        int code = 0;
        int index = 0;
        for (int length = 1; length <= MAX_CODE_LENGTH; length++) {
            // COUNT[0] is 0: no symbol has an empty code.
            code = (code + COUNT[length - 1]) << 1;
            FIRST_CODE[length] = code;
            FIRST_INDEX[length] = index;
            int next = code;
            for (int symbol = 0; symbol < SYMBOLS; symbol++) {
                if (CODE_LENGTHS[symbol] == length) {
                    CODES[symbol] = next++;
                    SORTED_SYMBOLS[index++] = (short) symbol;
                }
            }
        }
    }

    private Huffman() {}

    /**
     * Decodes {@code len} bytes at {@code in[off]} into {@code out} from 0 and returns the decoded
     * length; throws when the input holds EOS, bad padding, or decodes to more than {@code out}
     * holds.
     */
    static int decode(byte[] in, int off, int len, byte[] out) throws Http2Exception {
        int produced = 0;
        int code = 0;
        int codeLength = 0;
        for (int i = off; i < off + len; i++) {
            int octet = in[i] & 0xFF;
            for (int bit = 7; bit >= 0; bit--) {
                code = (code << 1) | ((octet >>> bit) & 1);
                codeLength++;
                int rank = code - FIRST_CODE[codeLength];
                if (rank >= 0 && rank < COUNT[codeLength]) {
                    int symbol = SORTED_SYMBOLS[FIRST_INDEX[codeLength] + rank];
                    if (symbol == EOS) {
                        throw Http2Exception.compression("Huffman-coded string contains EOS");
                    }
                    if (produced == out.length) {
                        throw Http2Exception.compression(
                                "Huffman-coded string decodes to more than "
                                        + out.length
                                        + " bytes");
                    }
                    out[produced++] = (byte) symbol;
                    code = 0;
                    codeLength = 0;
                } else if (codeLength == MAX_CODE_LENGTH) {
                    // Unreachable with a complete code such as Appendix B's; keeps the arrays in
                    // bounds.
                    throw Http2Exception.compression("Huffman-coded string holds an invalid code");
                }
            }
        }
        if (codeLength > MAX_PADDING_BITS) {
            throw Http2Exception.compression(
                    "Huffman-coded string has "
                            + codeLength
                            + " bits of padding; at most "
                            + MAX_PADDING_BITS
                            + " are allowed");
        }
        if (code != (1 << codeLength) - 1) {
            throw Http2Exception.compression(
                    "Huffman-coded string has padding that is not all ones");
        }
        return produced;
    }
}
