package io.vmpulse.collector.publish;

import static io.vmpulse.registry.layout.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmpulse.collector.testing.Tools;
import io.vmpulse.registry.layout.RecordField;
import io.vmpulse.registry.layout.RecordFields;
import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.UsedBlocks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a C program against registry/c/vmpulse_shm.h that prints the offsetof, sizeof and type
 * of every struct member, and compares each with the Java layout the writer uses.
 */
@Timeout(120)
class CHeaderMatchesLayoutTest {

    @TempDir Path tmp;

    @Test
    void every_offset_size_and_type_in_the_c_header_matches_the_java_layout() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        StringBuilder c =
                new StringBuilder(
                        """
                #include "vmpulse_shm.h"
                #define S(m) (((struct vmpulse_sample *)0)->m)
                #define TYPE(e) _Generic((e), uint64_t: 1, int64_t: 2, double: 3, uint32_t: 4, default: 5)
                #define P(k, v) printf("%s %llu\\n", k, (unsigned long long)(v))
                int main(void) {
                """);
        for (RecordField f : RecordFields.ALL) {
            // Arrays of structs are X[0].member in C; arrays of scalars (fs_device) are X[0].
            String member =
                    f.name().contains(".")
                            ? f.name().replace(".", "[0].")
                            : f.count() > 1 ? f.name() + "[0]" : f.name();
            emit(
                    c,
                    expected,
                    "offset " + f.name(),
                    "offsetof(struct vmpulse_sample, " + member + ")",
                    f.offset());
            emit(c, expected, "size " + f.name(), "sizeof(S(" + member + "))", f.size());
            emit(c, expected, "type " + f.name(), "TYPE(S(" + member + "))", f.type().code());
            if (f.count() > 1) {
                String array =
                        f.name().contains(".")
                                ? f.name().substring(0, f.name().indexOf('.'))
                                : f.name();
                emit(c, expected, "stride " + f.name(), "sizeof(S(" + array + "[0]))", f.stride());
                emit(
                        c,
                        expected,
                        "count " + f.name(),
                        "sizeof(S(" + array + ")) / sizeof(S(" + array + "[0]))",
                        f.count());
            }
        }
        emit(c, expected, "sizeof sample", "sizeof(struct vmpulse_sample)", RecordFields.SIZE);
        Map<String, Integer> header = new LinkedHashMap<>();
        header.put("magic", MAGIC_OFFSET);
        header.put("version_major", VERSION_MAJOR_OFFSET);
        header.put("version_minor", VERSION_MINOR_OFFSET);
        header.put("header_size", HEADER_SIZE_OFFSET);
        header.put("slot_size", SLOT_SIZE_OFFSET);
        header.put("slot_count", SLOT_COUNT_OFFSET);
        header.put("slots_offset", SLOTS_OFFSET_OFFSET);
        header.put("dir_offset", DIR_OFFSET_OFFSET);
        header.put("dir_count", DIR_COUNT_OFFSET);
        header.put("dir_entry_size", DIR_ENTRY_SIZE_OFFSET);
        header.put("sample_offset", SAMPLE_OFFSET_OFFSET);
        header.put("sample_size", SAMPLE_SIZE_OFFSET);
        header.put("writer_pid", WRITER_PID_OFFSET);
        header.put("writer_start_unix_ns", WRITER_START_UNIX_NS_OFFSET);
        header.put("heartbeat_count", HEARTBEAT_COUNT_OFFSET);
        header.put("heartbeat_unix_ns", HEARTBEAT_UNIX_NS_OFFSET);
        header.put("heartbeat_mono_ns", HEARTBEAT_MONO_NS_OFFSET);
        header.put("writer_flags", WRITER_FLAGS_OFFSET);
        header.put("reserved", HEADER_RESERVED_OFFSET);
        header.put("ready", READY_OFFSET);
        header.forEach(
                (m, off) ->
                        emit(
                                c,
                                expected,
                                "header " + m,
                                "offsetof(struct vmpulse_header, " + m + ")",
                                off));
        emit(c, expected, "sizeof header", "sizeof(struct vmpulse_header)", HEADER_SIZE);
        Map<String, Integer> dir =
                Map.of(
                        "name",
                        DIR_NAME_OFFSET,
                        "unit",
                        DIR_UNIT_OFFSET,
                        "type",
                        DIR_TYPE_OFFSET,
                        "size",
                        DIR_SIZE_OFFSET,
                        "offset",
                        DIR_FIELD_OFFSET_OFFSET,
                        "count",
                        DIR_COUNT_FIELD_OFFSET,
                        "stride",
                        DIR_STRIDE_OFFSET,
                        "presence",
                        DIR_PRESENCE_OFFSET);
        dir.forEach(
                (m, off) ->
                        emit(
                                c,
                                expected,
                                "dir " + m,
                                "offsetof(struct vmpulse_dir_entry, " + m + ")",
                                off));
        emit(c, expected, "sizeof dir", "sizeof(struct vmpulse_dir_entry)", DIR_ENTRY_SIZE);
        Map<String, Integer> slot =
                Map.of(
                        "seq",
                        SLOT_SEQ_OFFSET,
                        "generation",
                        SLOT_GENERATION_OFFSET,
                        "state",
                        SLOT_STATE_OFFSET,
                        "claimed_unix_ns",
                        SLOT_CLAIMED_UNIX_NS_OFFSET,
                        "used_blocks",
                        SLOT_USED_BLOCKS_OFFSET,
                        "vm_id",
                        SLOT_VM_ID_OFFSET);
        slot.forEach(
                (m, off) ->
                        emit(
                                c,
                                expected,
                                "slot " + m,
                                "offsetof(struct vmpulse_slot_header, " + m + ")",
                                off));
        emit(
                c,
                expected,
                "sizeof slot header",
                "sizeof(struct vmpulse_slot_header)",
                SLOT_HEADER_SIZE);
        for (var k :
                List.of(
                        List.of("VMPULSE_MAGIC", MAGIC),
                        List.of("VMPULSE_VERSION_MAJOR", (long) VERSION_MAJOR),
                        List.of("VMPULSE_VERSION_MINOR", (long) VERSION_MINOR),
                        List.of("VMPULSE_BLOCK_FIRST", (long) UsedBlocks.FIRST),
                        List.of("VMPULSE_BLOCK_BYTES", (long) UsedBlocks.BLOCK_BYTES),
                        List.of("VMPULSE_USED_BLOCKS_WORDS", (long) USED_BLOCKS_WORDS),
                        List.of("VMPULSE_READY", READY),
                        List.of("VMPULSE_WRITER_CLOSED", WRITER_CLOSED),
                        List.of("VMPULSE_STATE_LIVE", (long) STATE_LIVE),
                        List.of("VMPULSE_STATE_FINAL", (long) STATE_FINAL),
                        List.of("VMPULSE_VM_ID_BYTES", (long) VM_ID_BYTES),
                        List.of("VMPULSE_STATE_FREE", (long) STATE_FREE),
                        List.of("VMPULSE_HEARTBEAT_PERIOD_MS", (long) HEARTBEAT_PERIOD_MS),
                        List.of("VMPULSE_WRITER_DEAD_AFTER_MS", (long) WRITER_DEAD_AFTER_MS),
                        List.of("VMPULSE_READ_ATTEMPTS", (long) READ_ATTEMPTS),
                        List.of("VMPULSE_READ_SPINS", (long) READ_SPINS),
                        List.of("VMPULSE_FLAG_GUEST_CONNECTED", RecordFlags.FLAG_GUEST_CONNECTED),
                        List.of("VMPULSE_FLAG_GUEST_STALE", RecordFlags.FLAG_GUEST_STALE),
                        List.of("VMPULSE_FLAG_FINAL", RecordFlags.FLAG_FINAL),
                        List.of("VMPULSE_FLAG_VCPU_FAILING", RecordFlags.FLAG_VCPU_FAILING),
                        List.of("VMPULSE_FLAG_PROCESS_FAILING", RecordFlags.FLAG_PROCESS_FAILING),
                        List.of("VMPULSE_FLAG_CGROUP_FAILING", RecordFlags.FLAG_CGROUP_FAILING),
                        List.of("VMPULSE_FLAG_BLOCK_FAILING", RecordFlags.FLAG_BLOCK_FAILING),
                        List.of("VMPULSE_FLAG_NET_FAILING", RecordFlags.FLAG_NET_FAILING),
                        List.of("VMPULSE_FLAG_BALLOON_FAILING", RecordFlags.FLAG_BALLOON_FAILING),
                        List.of("VMPULSE_PRESENT_GUEST_CPU", RecordFlags.PRESENT_GUEST_CPU),
                        List.of("VMPULSE_PRESENT_GUEST_MEMORY", RecordFlags.PRESENT_GUEST_MEMORY),
                        List.of("VMPULSE_PRESENT_GUEST_FS", RecordFlags.PRESENT_GUEST_FS),
                        List.of("VMPULSE_PRESENT_GUEST_RATES", RecordFlags.PRESENT_GUEST_RATES),
                        List.of("VMPULSE_PRESENT_HOST_VCPU", RecordFlags.PRESENT_HOST_VCPU),
                        List.of("VMPULSE_PRESENT_HOST_PROCESS", RecordFlags.PRESENT_HOST_PROCESS),
                        List.of("VMPULSE_PRESENT_HOST_CGROUP", RecordFlags.PRESENT_HOST_CGROUP),
                        List.of("VMPULSE_PRESENT_HOST_BLOCK", RecordFlags.PRESENT_HOST_BLOCK),
                        List.of("VMPULSE_PRESENT_HOST_NET", RecordFlags.PRESENT_HOST_NET),
                        List.of("VMPULSE_PRESENT_HOST_BALLOON", RecordFlags.PRESENT_HOST_BALLOON),
                        List.of("VMPULSE_PRESENT_HOST_RATES", RecordFlags.PRESENT_HOST_RATES),
                        List.of("VMPULSE_PRESENT_HOST_DISK_OPS", RecordFlags.PRESENT_HOST_DISK_OPS),
                        List.of(
                                "VMPULSE_PRESENT_HOST_NET_DROPS",
                                RecordFlags.PRESENT_HOST_NET_DROPS),
                        List.of(
                                "VMPULSE_PRESENT_HOST_NET_ERRORS",
                                RecordFlags.PRESENT_HOST_NET_ERRORS),
                        List.of("VMPULSE_FS_ERROR", (long) RecordFlags.FS_ERROR),
                        List.of("VMPULSE_FS_READ_ONLY", (long) RecordFlags.FS_READ_ONLY))) {
            emit(c, expected, "const " + k.get(0), k.get(0).toString(), (Long) k.get(1));
        }
        c.append("return 0; }\n");

        Path bin = Tools.gcc(Tools.writeC(tmp, "layout.c", c.toString()), tmp);
        Tools.Result r = Tools.run(List.of(bin.toString()), 30);
        assertEquals(0, r.exit(), r.stderr());
        Map<String, Long> actual = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int sp = line.lastIndexOf(' ');
            actual.put(line.substring(0, sp), Long.parseUnsignedLong(line.substring(sp + 1)));
        }
        Map<String, String> mismatches = new TreeMap<>();
        expected.forEach(
                (k, v) -> {
                    if (!v.equals(actual.get(k))) {
                        mismatches.put(k, "java " + v + ", C " + actual.get(k));
                    }
                });
        assertEquals(Map.of(), mismatches, "C header differs from the Java layout");
        assertEquals(expected.size(), actual.size());
    }

    private static void emit(
            StringBuilder c, Map<String, Long> expected, String key, String expr, long value) {
        c.append("P(\"").append(key).append("\", ").append(expr).append(");\n");
        expected.put(key, value);
    }
}
