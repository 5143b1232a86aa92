package io.vmpulse.collector.merge;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.VmRecord;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The guest fields copied as they are: every {@link RecordField} that declares a {@link
 * RecordField#wire()} path into {@link Sample}, paired with the generated getters that path names.
 * Adding such a field then takes the .proto field, the agent's sampler and the one declaration in
 * {@link RecordFields}; nothing here changes.
 *
 * <p>Resolved once, at class initialisation, against the protobuf descriptor: a path whose field
 * does not exist, is repeated, or whose type does not fit the record field's fails the collector's
 * start with an {@link IllegalStateException} naming it. Copying calls one generated getter per
 * path step through a {@link ToLongFunction} made by {@link LambdaMetafactory}: no reflection, no
 * boxing, no allocation.
 */
final class WireFields {

    static final WireFields DECLARED = resolve(RecordFields.ALL, Sample.getDescriptor());

    private final RecordField[] fields;
    private final ToLongFunction<Sample>[] getters;

    private WireFields(RecordField[] fields, ToLongFunction<Sample>[] getters) {
        this.fields = fields;
        this.getters = getters;
    }

    /** The record fields this table copies, in layout order. */
    List<RecordField> fields() {
        return List.of(fields);
    }

    void copy(Sample in, VmRecord out) {
        for (int i = 0; i < fields.length; i++) {
            long v = getters[i].applyAsLong(in);
            if (fields[i].type() == FieldType.U32) {
                out.putInt(fields[i], (int) v);
            } else {
                out.putLong(fields[i], v);
            }
        }
    }

    /**
     * Resolves the wire path of every field of {@code all} that has one, against {@code root} (a
     * {@link Sample}).
     */
    @SuppressWarnings("unchecked")
    static WireFields resolve(List<RecordField> all, Descriptor root) {
        List<RecordField> fields = new ArrayList<>();
        List<ToLongFunction<Sample>> getters = new ArrayList<>();
        for (RecordField f : all) {
            if (!f.wire().isEmpty()) {
                fields.add(f);
                getters.add(getter(f, root));
            }
        }
        return new WireFields(
                fields.toArray(RecordField[]::new), getters.toArray(ToLongFunction[]::new));
    }

    private static ToLongFunction<Sample> getter(RecordField f, Descriptor root) {
        String[] steps = f.wire().split("\\.", -1);
        Descriptor type = root;
        Class<?> javaType = Sample.class;
        List<Function<Object, Object>> path = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            FieldDescriptor d = type.findFieldByName(steps[i]);
            if (d == null) {
                throw broken(f, type.getFullName() + " has no field '" + steps[i] + "'");
            }
            if (d.isRepeated()) {
                throw broken(f, d.getFullName() + " is repeated");
            }
            boolean last = i == steps.length - 1;
            if (!last) {
                if (d.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    throw broken(
                            f,
                            d.getFullName()
                                    + " is not a message, so it has no field '"
                                    + steps[i + 1]
                                    + "'");
                }
                Method m = method(f, javaType, d);
                path.add(lambda(Function.class, "apply", m));
                type = d.getMessageType();
                javaType = m.getReturnType();
            } else {
                checkType(f, d);
                ToLongFunction<Object> leaf =
                        lambda(ToLongFunction.class, "applyAsLong", method(f, javaType, d));
                return compose(path, leaf);
            }
        }
        throw broken(f, "empty path");
    }

    private static ToLongFunction<Sample> compose(
            List<Function<Object, Object>> path, ToLongFunction<Object> leaf) {
        return switch (path.size()) {
            case 0 -> leaf::applyAsLong;
            case 1 -> {
                Function<Object, Object> a = path.get(0);
                yield s -> leaf.applyAsLong(a.apply(s));
            }
            default -> {
                Function<Object, Object>[] steps = path.toArray(Function[]::new);
                yield s -> {
                    Object m = s;
                    for (Function<Object, Object> step : steps) {
                        m = step.apply(m);
                    }
                    return leaf.applyAsLong(m);
                };
            }
        };
    }

    /** The record's integer type must hold the protobuf field's values exactly. */
    private static void checkType(RecordField f, FieldDescriptor d) {
        FieldDescriptor.Type t = d.getType();
        boolean fits =
                switch (f.type()) {
                    case U64 ->
                            t == FieldDescriptor.Type.UINT64 || t == FieldDescriptor.Type.FIXED64;
                    case I64 ->
                            t == FieldDescriptor.Type.INT64
                                    || t == FieldDescriptor.Type.SINT64
                                    || t == FieldDescriptor.Type.SFIXED64;
                    case U32 ->
                            t == FieldDescriptor.Type.UINT32 || t == FieldDescriptor.Type.FIXED32;
                    default -> false;
                };
        if (!fits) {
            throw broken(
                    f,
                    d.getFullName()
                            + " is "
                            + t.name().toLowerCase()
                            + ", which a "
                            + f.type()
                            + " field cannot hold");
        }
    }

    /**
     * The generated getter of {@code d}: protobuf-java capitalises the letter after '_' or a digit.
     */
    private static Method method(RecordField f, Class<?> owner, FieldDescriptor d) {
        StringBuilder name = new StringBuilder("get");
        boolean upper = true;
        for (char c : d.getName().toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                name.append(upper ? Character.toUpperCase(c) : c);
                upper = Character.isDigit(c);
            }
        }
        try {
            return owner.getMethod(name.toString());
        } catch (NoSuchMethodException e) {
            throw broken(f, owner.getName() + " has no " + name + "()");
        }
    }

    private static <T> T lambda(Class<T> iface, String name, Method getter) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle target = lookup.unreflect(getter);
            MethodType erased =
                    iface == ToLongFunction.class
                            ? MethodType.methodType(long.class, Object.class)
                            : MethodType.methodType(Object.class, Object.class);
            return iface.cast(
                    LambdaMetafactory.metafactory(
                                    lookup,
                                    name,
                                    MethodType.methodType(iface),
                                    erased,
                                    target,
                                    target.type())
                            .getTarget()
                            .invoke());
        } catch (Throwable e) {
            throw new IllegalStateException("cannot bind " + getter + ": " + e, e);
        }
    }

    private static IllegalStateException broken(RecordField f, String why) {
        return new IllegalStateException(
                "record field "
                        + f.name()
                        + " declares wire path '"
                        + f.wire()
                        + "' in vmpulse.agent.v1.Sample, which does not resolve: "
                        + why);
    }
}
