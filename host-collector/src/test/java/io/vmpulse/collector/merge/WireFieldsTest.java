package io.vmpulse.collector.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.vmpulse.proto.v1.Memory;
import io.vmpulse.proto.v1.Sample;
import io.vmpulse.registry.layout.FieldType;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordSource;
import io.vmpulse.registry.layout.VmRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WireFieldsTest {

    @Test
    void every_declared_wire_path_resolves_and_its_value_lands_in_its_own_record_field() {
        List<RecordField> declared =
                RecordFields.ALL.stream().filter(f -> !f.wire().isEmpty()).toList();
        assertEquals(
                declared,
                WireFields.DECLARED.fields(),
                "the table holds every declared path, in layout order");
        assertTrue(declared.contains(RecordFields.MEM_COMMITTED_AS_BYTES));

        Sample.Builder b = Sample.newBuilder();
        Map<RecordField, Long> expected = new HashMap<>();
        long value = 0x0100_0000_0000_0000L; // above 2^56, so a narrowing copy would show
        for (RecordField f : declared) {
            value += 0x1_0001;
            set(b, f.wire(), value);
            expected.put(f, value);
        }
        VmRecord out = new VmRecord();
        WireFields.DECLARED.copy(b.build(), out);
        for (RecordField f : declared) {
            assertEquals(expected.get(f), out.getLong(f), f.name() + " from " + f.wire());
        }
    }

    @Test
    void every_uint64_memory_field_of_the_wire_contract_is_declared_by_a_record_field() {
        Set<String> declared =
                RecordFields.ALL.stream().map(RecordField::wire).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        for (FieldDescriptor d : Memory.getDescriptor().getFields()) {
            if (d.getType() == FieldDescriptor.Type.UINT64
                    && !declared.contains("memory." + d.getName())) {
                missing.add(d.getName());
            }
        }
        assertEquals(List.of(), missing, "Memory fields no record field carries");
    }

    @Test
    void a_committed_as_from_an_agent_that_predates_it_is_stored_as_zero() {
        VmRecord out = new VmRecord();
        out.putLong(RecordFields.MEM_COMMITTED_AS_BYTES, 99);
        WireFields.DECLARED.copy(
                Sample.newBuilder().setMemory(Memory.newBuilder().setTotalBytes(1 << 30)).build(),
                out);
        assertEquals(0, out.getLong(RecordFields.MEM_COMMITTED_AS_BYTES));
        assertEquals(1 << 30, out.getLong(RecordFields.MEM_TOTAL_BYTES));
    }

    @Test
    void a_path_that_does_not_resolve_fails_at_resolution_naming_the_field_and_the_path() {
        assertBroken("memory.no_such_field", FieldType.U64, "has no field 'no_such_field'");
        assertBroken("nothing.total_bytes", FieldType.U64, "has no field 'nothing'");
        assertBroken("memory.available_derived", FieldType.U64, "is bool");
        assertBroken("seq.total_bytes", FieldType.U64, "is not a message");
        assertBroken("filesystems.size_bytes", FieldType.U64, "is repeated");
        assertBroken("wall_time_unix_ns", FieldType.U64, "is int64");
        assertBroken("memory", FieldType.U64, "is message");
    }

    @Test
    void paths_of_one_and_three_steps_resolve_too() {
        RecordField seq = field("seq", FieldType.U64);
        RecordField user = field("cpu.total.user_ns", FieldType.U64);
        RecordField wall = field("wall_time_unix_ns", FieldType.I64);
        WireFields w = WireFields.resolve(List.of(seq, user, wall), Sample.getDescriptor());
        VmRecord out = new VmRecord();
        Sample.Builder b = Sample.newBuilder().setSeq(5).setWallTimeUnixNs(-7);
        b.getCpuBuilder().getTotalBuilder().setUserNs(11);
        w.copy(b.build(), out);
        assertEquals(5, out.getLong(seq));
        assertEquals(11, out.getLong(user));
        assertEquals(-7, out.getLong(wall));
        assertFalse(w.fields().isEmpty());
    }

    private static void assertBroken(String path, FieldType type, String why) {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                WireFields.resolve(
                                        List.of(field(path, type)), Sample.getDescriptor()));
        assertTrue(
                e.getMessage().contains("'" + path + "'")
                        && e.getMessage().contains(why)
                        && e.getMessage().contains("test_field"),
                e.getMessage());
    }

    /** A field over bytes the layout gives mem_total_bytes, so copies land somewhere real. */
    private static RecordField field(String wire, FieldType type) {
        int offset = RecordFields.MEM_TOTAL_BYTES.offset();
        if (wire.startsWith("cpu")) {
            offset = RecordFields.MEM_FREE_BYTES.offset();
        } else if (wire.startsWith("wall")) {
            offset = RecordFields.MEM_CACHED_BYTES.offset();
        }
        return new RecordField(
                "test_field", type, "count", offset, 8, 1, 8, 0, RecordSource.GUEST, wire);
    }

    private static void set(Message.Builder b, String path, long value) {
        String[] steps = path.split("\\.");
        Message.Builder at = b;
        for (int i = 0; i < steps.length - 1; i++) {
            at = at.getFieldBuilder(at.getDescriptorForType().findFieldByName(steps[i]));
        }
        at.setField(at.getDescriptorForType().findFieldByName(steps[steps.length - 1]), value);
    }
}
