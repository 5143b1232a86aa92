package io.vmpulse.collector.catalog;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.vmpulse.proto.control.v1.VmDescriptor;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The descriptor file format: the protobuf JSON mapping of one {@link VmDescriptor}, read strictly.
 *
 * <p>{@link JsonFormat#parser()} maps JSON to the message, but it accepts a duplicated key (last
 * wins), data after the object, {@code "id": [1]} as the string "1", and its errors do not say
 * which field is wrong. So the text is first walked against the message's schema with a strict
 * streaming reader, which rejects all of those and names the field path ({@code
 * guest.hybrid_vsock.port}, {@code taps[2]}); only text that passes is handed to JsonFormat.
 */
public final class DescriptorJson {
    private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFF_FFFFL);

    /**
     * A JSON number that can be an int32 or uint32 at all: at most 20 digits before and after the
     * point, and an exponent of at most 3 digits. Anything else is refused before it is converted:
     * {@code 1e9999999999} overflows BigDecimal's scale (an exception the watcher did not expect),
     * and {@code 1e99999999} is exact but takes minutes to expand.
     */
    private static final Pattern INTEGER_LITERAL =
            Pattern.compile("-?\\d{1,20}(\\.\\d{1,20})?([eE][+-]?\\d{1,3})?");

    /**
     * Longest string value; the longest field (a Unix socket path, a cgroup path) is far shorter.
     */
    static final int MAX_STRING_CHARS = 4096;

    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().preservingProtoFieldNames();

    private DescriptorJson() {}

    public static VmDescriptor parse(final String json) throws InvalidDescriptorException {
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setLenient(false);
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                throw new InvalidDescriptorException(
                        "", "a descriptor is one JSON object; found " + describe(reader.peek()));
            }
            checkObject(reader, VmDescriptor.getDescriptor(), "");
            checkNothingFollows(reader);
        } catch (IOException e) {
            // Gson's message gives line, column and JSON path of the syntax error.
            throw new InvalidDescriptorException("", "malformed JSON: " + syntaxMessage(e));
        } catch (NumberFormatException e) {
            // Gson reports a backslash-u escape without four hex digits this way, not as a syntax
            // error.
            throw new InvalidDescriptorException(
                    "", "malformed JSON: a \\u escape that is not four hex digits");
        }
        final VmDescriptor.Builder builder = VmDescriptor.newBuilder();
        try {
            JsonFormat.parser().merge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // The strict check should have caught it; still, bad input is a rejected file, never a
            // crash.
            throw new InvalidDescriptorException("", "not a valid descriptor: " + e.getMessage());
        }
        return builder.build();
    }

    /**
     * Prints any control message as JSON with the proto field names, the form descriptor files use.
     */
    public static String print(final MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("control messages contain no Any fields", e);
        }
    }

    private static void checkObject(
            final JsonReader reader, final Descriptor type, final String path)
            throws IOException, InvalidDescriptorException {
        final Set<FieldDescriptor> seen = new HashSet<>();
        final Map<OneofDescriptor, FieldDescriptor> oneofs = new HashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
            final String name = reader.nextName();
            final FieldDescriptor field = field(type, name);
            if (field == null) {
                throw new InvalidDescriptorException(
                        join(path, name),
                        "unknown field; "
                                + type.getName()
                                + " has "
                                + String.join(
                                        ", ",
                                        type.getFields().stream()
                                                .map(FieldDescriptor::getName)
                                                .toList()));
            }
            final String fieldPath = join(path, field.getName());
            if (!seen.add(field)) {
                throw new InvalidDescriptorException(fieldPath, "appears twice");
            }
            final OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                final FieldDescriptor other = oneofs.putIfAbsent(oneof, field);
                if (other != null) {
                    throw new InvalidDescriptorException(
                            path,
                            "sets both "
                                    + other.getName()
                                    + " and "
                                    + field.getName()
                                    + "; exactly one of "
                                    + String.join(
                                            ", ",
                                            oneof.getFields().stream()
                                                    .map(FieldDescriptor::getName)
                                                    .toList())
                                    + " is allowed");
                }
            }
            if (field.isMapField()) {
                checkMap(reader, field, fieldPath);
            } else if (field.isRepeated()) {
                checkArray(reader, field, fieldPath);
            } else {
                checkValue(reader, field, fieldPath);
            }
        }
        reader.endObject();
    }

    private static void checkNothingFollows(final JsonReader reader)
            throws InvalidDescriptorException {
        boolean more;
        try {
            more = reader.peek() != JsonToken.END_DOCUMENT;
        } catch (IOException e) {
            more = true; // strict mode calls a second value a syntax error; it is the same mistake
        }
        if (more) {
            throw new InvalidDescriptorException(
                    "", "unexpected data after the descriptor's closing brace");
        }
    }

    private static FieldDescriptor field(final Descriptor type, final String name) {
        final FieldDescriptor byName = type.findFieldByName(name);
        if (byName != null) {
            return byName;
        }
        return type.getFields().stream()
                .filter(f -> f.getJsonName().equals(name))
                .findFirst()
                .orElse(null);
    }

    private static void checkArray(
            final JsonReader reader, final FieldDescriptor field, final String path)
            throws IOException, InvalidDescriptorException {
        expect(reader, JsonToken.BEGIN_ARRAY, path, "an array");
        reader.beginArray();
        for (int i = 0; reader.hasNext(); i++) {
            checkValue(reader, field, path + "[" + i + "]");
        }
        reader.endArray();
    }

    /**
     * A map is a JSON object from key to value; a key given twice would silently keep one of them.
     */
    private static void checkMap(
            final JsonReader reader, final FieldDescriptor field, final String path)
            throws IOException, InvalidDescriptorException {
        final FieldDescriptor value = field.getMessageType().findFieldByName("value");
        expect(reader, JsonToken.BEGIN_OBJECT, path, "an object");
        final Set<String> keys = new HashSet<>();
        reader.beginObject();
        while (reader.hasNext()) {
            final String key = reader.nextName();
            if (!keys.add(key)) {
                throw new InvalidDescriptorException(path, "key \"" + key + "\" appears twice");
            }
            checkValue(reader, value, path + "." + key);
        }
        reader.endObject();
    }

    private static void checkValue(
            final JsonReader reader, final FieldDescriptor field, final String path)
            throws IOException, InvalidDescriptorException {
        switch (field.getJavaType()) {
            case MESSAGE -> {
                expect(reader, JsonToken.BEGIN_OBJECT, path, "an object");
                checkObject(reader, field.getMessageType(), path);
            }
            case STRING -> {
                expect(reader, JsonToken.STRING, path, "a string");
                final int length = reader.nextString().length();
                if (length > MAX_STRING_CHARS) {
                    throw new InvalidDescriptorException(
                            path,
                            "a string of "
                                    + length
                                    + " characters; at most "
                                    + MAX_STRING_CHARS
                                    + " are allowed");
                }
            }
            case BOOLEAN -> {
                expect(reader, JsonToken.BOOLEAN, path, "true or false");
                reader.nextBoolean();
            }
            case INT -> checkInteger(reader, field, path);
            default ->
                    throw new IllegalStateException(
                            "control.proto gained a field type this reader does not check: "
                                    + field);
        }
    }

    private static void checkInteger(
            final JsonReader reader, final FieldDescriptor field, final String path)
            throws IOException, InvalidDescriptorException {
        final boolean unsigned = field.getType() == FieldDescriptor.Type.UINT32;
        final String expected =
                unsigned
                        ? "an integer from 0 to 4294967295"
                        : "an integer from -2147483648 to 2147483647";
        expect(reader, JsonToken.NUMBER, path, expected);
        final String literal = reader.nextString();
        if (!INTEGER_LITERAL.matcher(literal).matches()) {
            throw new InvalidDescriptorException(path, abbreviate(literal) + " is not " + expected);
        }
        final BigInteger value;
        try {
            value = new BigDecimal(literal).toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new InvalidDescriptorException(path, literal + " is not " + expected);
        }
        final BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.valueOf(Integer.MIN_VALUE);
        final BigInteger max = unsigned ? UINT32_MAX : BigInteger.valueOf(Integer.MAX_VALUE);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidDescriptorException(path, literal + " is not " + expected);
        }
    }

    private static String abbreviate(final String literal) {
        return literal.length() <= 32
                ? literal
                : literal.substring(0, 32) + "... (" + literal.length() + " characters)";
    }

    private static void expect(
            final JsonReader reader, final JsonToken token, final String path, final String what)
            throws IOException, InvalidDescriptorException {
        final JsonToken actual = reader.peek();
        if (actual != token) {
            throw new InvalidDescriptorException(
                    path, "expected " + what + ", found " + describe(actual));
        }
    }

    private static String describe(final JsonToken token) {
        return switch (token) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null (leave the field out instead)";
            case END_DOCUMENT -> "nothing";
            default -> token.toString();
        };
    }

    private static String syntaxMessage(final IOException e) {
        final String message = e.getMessage();
        return message.startsWith("Use JsonReader.setLenient(true) to accept malformed JSON at ")
                ? "syntax error at "
                        + message.substring(
                                "Use JsonReader.setLenient(true) to accept malformed JSON at "
                                        .length())
                : message;
    }

    private static String join(final String path, final String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
