package io.vmpulse.agent.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints an encoded {@code vmpulse.agent.v1.Sample} as protobuf's JSON mapping, text for text what
 * {@code JsonFormat.printer().print(sample)} prints, without generated classes, JsonFormat or Gson:
 * lowerCamelCase names, fields in field-number order, 64-bit integers as quoted decimal strings
 * (uint64 unsigned), proto3 default scalars omitted, present messages printed even when empty,
 * two-space indentation, and strings escaped as Gson escapes them (HTML-safe).
 *
 * <p>It prints the bytes, not the sampler's structs, so {@code --once --json} shows exactly what
 * would go on the wire; {@link #SAMPLE} below is the schema it needs, a copy of agent.proto's
 * Sample kept honest by the test that compares the output with JsonFormat's. Allocates freely: it
 * is for a person, not for the sampling loop. Thread-safe.
 */
public final class SampleJson {

    private enum Kind {
        UINT64,
        INT64,
        UINT32,
        BOOL,
        STRING,
        MESSAGE
    }

    private record Field(int number, String name, Kind kind, boolean repeated, Type type) {}

    private record Type(Field... fields) {
        /** The index of field {@code number} in {@link #fields}, or -1. */
        int indexOf(int number) {
            for (int i = 0; i < fields.length; i++) {
                if (fields[i].number == number) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static final Type CPU_TIMES =
            new Type(
                    scalar(1, "userNs", Kind.UINT64),
                    scalar(2, "niceNs", Kind.UINT64),
                    scalar(3, "systemNs", Kind.UINT64),
                    scalar(4, "idleNs", Kind.UINT64),
                    scalar(5, "iowaitNs", Kind.UINT64),
                    scalar(6, "irqNs", Kind.UINT64),
                    scalar(7, "softirqNs", Kind.UINT64),
                    scalar(8, "stealNs", Kind.UINT64),
                    scalar(9, "guestNs", Kind.UINT64),
                    scalar(10, "guestNiceNs", Kind.UINT64));
    private static final Type PER_CPU =
            new Type(scalar(1, "cpu", Kind.UINT32), message(2, "times", CPU_TIMES));
    private static final Type CPU =
            new Type(
                    message(1, "total", CPU_TIMES),
                    new Field(2, "perCpu", Kind.MESSAGE, true, PER_CPU),
                    scalar(3, "onlineCpus", Kind.UINT32),
                    scalar(4, "columns", Kind.UINT32),
                    scalar(5, "contextSwitches", Kind.UINT64),
                    scalar(6, "forks", Kind.UINT64),
                    scalar(7, "procsRunning", Kind.UINT32),
                    scalar(8, "procsBlocked", Kind.UINT32),
                    scalar(9, "bootTimeUnixS", Kind.INT64));
    private static final Type MEMORY =
            new Type(
                    scalar(1, "totalBytes", Kind.UINT64), scalar(2, "freeBytes", Kind.UINT64),
                    scalar(3, "availableBytes", Kind.UINT64),
                            scalar(4, "availableDerived", Kind.BOOL),
                    scalar(5, "buffersBytes", Kind.UINT64), scalar(6, "cachedBytes", Kind.UINT64),
                    scalar(7, "sreclaimableBytes", Kind.UINT64),
                            scalar(8, "shmemBytes", Kind.UINT64),
                    scalar(9, "swapTotalBytes", Kind.UINT64),
                            scalar(10, "swapFreeBytes", Kind.UINT64),
                    scalar(11, "dirtyBytes", Kind.UINT64),
                            scalar(12, "writebackBytes", Kind.UINT64),
                    scalar(13, "hugepagesTotal", Kind.UINT64),
                            scalar(14, "hugepagesFree", Kind.UINT64),
                    scalar(15, "hugepageSizeBytes", Kind.UINT64),
                            scalar(16, "committedAsBytes", Kind.UINT64));
    private static final Type FILESYSTEM =
            new Type(
                    scalar(1, "mountPoint", Kind.STRING),
                    scalar(2, "device", Kind.STRING),
                    scalar(3, "fsType", Kind.STRING),
                    scalar(4, "readOnly", Kind.BOOL),
                    scalar(5, "sizeBytes", Kind.UINT64),
                    scalar(6, "freeBytes", Kind.UINT64),
                    scalar(7, "availableBytes", Kind.UINT64),
                    scalar(8, "inodesTotal", Kind.UINT64),
                    scalar(9, "inodesFree", Kind.UINT64),
                    scalar(10, "error", Kind.STRING));
    private static final Type SAMPLE =
            new Type(
                    scalar(1, "seq", Kind.UINT64),
                    scalar(2, "wallTimeUnixNs", Kind.INT64),
                    scalar(3, "monotonicNs", Kind.INT64),
                    message(4, "cpu", CPU),
                    message(5, "memory", MEMORY),
                    new Field(6, "filesystems", Kind.MESSAGE, true, FILESYSTEM),
                    scalar(7, "intervalMs", Kind.UINT32),
                    scalar(8, "droppedBefore", Kind.UINT32));

    private static final String INDENT = "  ";

    private SampleJson() {}

    /** The sample in {@code sample} as JSON, without a trailing newline. */
    public static String print(SampleBuffer sample) throws IOException {
        return print(sample.array(), 0, sample.length());
    }

    /**
     * The Sample message in {@code b[off, off + len)} as JSON. Unknown fields are left out, as
     * JsonFormat leaves them out; a singular field that occurs more than once prints its last value
     * (a repeated singular message would be merged by protobuf: the encoder never writes one).
     *
     * @throws IOException when the bytes are not a Sample
     */
    public static String print(byte[] b, int off, int len) throws IOException {
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException(
                    "range " + off + "+" + len + " of a " + b.length + "-byte array");
        }
        StringBuilder json = new StringBuilder();
        try {
            printMessage(b, off, off + len, SAMPLE, 0, json);
        } catch (MalformedMessageException e) {
            throw new MalformedMessageException("malformed Sample: " + e.getMessage());
        }
        return json.toString();
    }

    /**
     * Prints the message in {@code b[pos, end)}; {@code depth} is the indentation of its opening
     * line.
     */
    private static void printMessage(
            byte[] b, int pos, int end, Type type, int depth, StringBuilder json)
            throws MalformedMessageException {
        @SuppressWarnings("unchecked")
        List<String>[] values = new List[type.fields.length];
        while (pos < end) {
            int next = ProtoScan.varintEnd(b, pos, end);
            int tag = ProtoScan.tag(ProtoScan.varintAt(b, pos));
            pos = next;
            int i = type.indexOf(ProtoScan.fieldNumber(tag));
            if (i < 0 || ProtoScan.wireType(tag) != wireType(type.fields[i].kind)) {
                pos = ProtoScan.skip(b, pos, end, tag, 0);
                continue;
            }
            Field f = type.fields[i];
            String value;
            if (wireType(f.kind) == ProtoWriter.WIRETYPE_VARINT) {
                next = ProtoScan.varintEnd(b, pos, end);
                value = varintJson(f.kind, ProtoScan.varintAt(b, pos));
            } else {
                next = ProtoScan.lengthDelimitedEnd(b, pos, end);
                int start = ProtoScan.varintEnd(b, pos, end);
                value =
                        f.kind == Kind.STRING
                                ? string(b, start, next)
                                : nested(b, start, next, f.type, depth + 1);
            }
            pos = next;
            if (f.repeated) {
                if (values[i] == null) {
                    values[i] = new ArrayList<>();
                }
                values[i].add(value);
            } else {
                values[i] = value == null ? null : List.of(value);
            }
        }
        json.append("{\n");
        String separator = "";
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                json.append(separator)
                        .append(INDENT.repeat(depth + 1))
                        .append('"')
                        .append(type.fields[i].name)
                        .append("\": ");
                json.append(
                        type.fields[i].repeated
                                ? "[" + String.join(", ", values[i]) + "]"
                                : values[i].get(0));
                separator = ",\n";
            }
        }
        json.append(separator.isEmpty() ? "" : "\n").append(INDENT.repeat(depth)).append('}');
    }

    /** The JSON of a varint field's value, or null for a proto3 default, which JSON omits. */
    private static String varintJson(Kind kind, long v) {
        switch (kind) {
            case UINT64:
                return v == 0 ? null : '"' + Long.toUnsignedString(v) + '"';
            case INT64:
                return v == 0 ? null : "\"" + v + '"';
            case UINT32:
                return (int) v == 0 ? null : Integer.toUnsignedString((int) v);
            default:
                return v != 0 ? "true" : null;
        }
    }

    /**
     * A string field's value, which must be valid UTF-8 (as protobuf requires of proto3 strings).
     */
    private static String string(byte[] b, int start, int end) throws MalformedMessageException {
        try {
            String v =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(b, start, end - start))
                            .toString();
            return v.isEmpty() ? null : quote(v);
        } catch (CharacterCodingException e) {
            throw new MalformedMessageException("a string field is not valid UTF-8");
        }
    }

    private static String nested(byte[] b, int start, int end, Type type, int depth)
            throws MalformedMessageException {
        StringBuilder nested = new StringBuilder();
        printMessage(b, start, end, type, depth, nested);
        return nested.toString();
    }

    /**
     * {@code s} as a JSON string, escaped as Gson's HTML-safe writer (which JsonFormat uses)
     * escapes it.
     */
    static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\t' -> q.append("\\t");
                case '\b' -> q.append("\\b");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\f' -> q.append("\\f");
                case '<', '>', '&', '=', '\'', '\u2028', '\u2029' ->
                        q.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }

    private static int wireType(Kind kind) {
        return kind == Kind.STRING || kind == Kind.MESSAGE
                ? ProtoWriter.WIRETYPE_LENGTH_DELIMITED
                : ProtoWriter.WIRETYPE_VARINT;
    }

    private static Field scalar(int number, String name, Kind kind) {
        return new Field(number, name, kind, false, null);
    }

    private static Field message(int number, String name, Type type) {
        return new Field(number, name, Kind.MESSAGE, false, type);
    }
}
