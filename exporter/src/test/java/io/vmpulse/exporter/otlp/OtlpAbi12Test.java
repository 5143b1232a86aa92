package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import io.vmpulse.registry.layout.RecordFields;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A registry written by an ABI 1.2 collector has no 1.3 fields in its directory. The push must then
 * send none of their points: the bytes past a 1.2 record read as zero, and a zero is not "absent".
 * Here the record's 1.3 bytes even hold values, to show they are not read.
 */
class OtlpAbi12Test {

    /** Bytes of an ABI 1.2 record: every field that starts below this was in 1.2. */
    private static final int ABI_12_SIZE = 2392;

    @Test
    void a_registry_without_the_13_fields_yields_none_of_their_points_and_the_sums_instead() {
        assertEquals(ABI_12_SIZE, RecordFields.HYPERVISOR.offset(), "1.3 begins where 1.2 ended");
        NamedFields v12 =
                new NamedFields(
                        name ->
                                RecordFields.ALL.stream()
                                        .filter(
                                                f ->
                                                        f.name().equals(name)
                                                                && f.offset() < ABI_12_SIZE)
                                        .findFirst());
        NamedFields v13 =
                new NamedFields(
                        name ->
                                RecordFields.ALL.stream()
                                        .filter(f -> f.name().equals(name))
                                        .findFirst());
        FilledVm vm = new FilledVm(0, System.currentTimeMillis() * 1_000_000L);

        List<String> old = series(vm, v12);
        List<String> now = series(vm, v13);
        assertTrue(
                now.stream().anyMatch(s -> s.startsWith("vmpulse.guest.memory.committed")),
                "1.3 sends it");
        assertTrue(
                old.stream().noneMatch(s -> s.startsWith("vmpulse.guest.memory.committed")),
                old.toString());
        assertTrue(
                old.stream()
                        .noneMatch(
                                s ->
                                        s.contains("cpu.logical_number")
                                                || s.contains("system.device")
                                                || s.contains("network.interface.name")),
                old.toString());
        assertTrue(old.contains("system.cpu.time{cpu.mode=\"user\"}"), old.toString());
        assertTrue(old.contains("vmpulse.disk.io{disk.io.direction=\"read\"}"), old.toString());
        assertTrue(
                old.contains("vmpulse.network.io{network.io.direction=\"receive\"}"),
                old.toString());
    }

    private static List<String> series(FilledVm vm, NamedFields fields) {
        VmPoints p = new VmPoints();
        p.begin(vm.record, 1, System.currentTimeMillis() * 1_000_000L);
        GuestCpuMapping.map(vm.record, fields, p);
        GuestMemoryMapping.map(vm.record, fields, p);
        GuestFilesystemMapping.map(vm.record, fields, p);
        HostMapping.map(vm.record, p);
        HostIoMapping.map(vm.record, fields, p);
        List<MetricData> out = new ArrayList<>();
        p.drainTo(Resource.empty(), RegistryMetrics.SCOPE, out);
        List<String> series = new ArrayList<>();
        for (MetricData d : out) {
            for (PointData pt : d.getData().getPoints()) {
                series.add(d.getName() + pt.getAttributes());
            }
        }
        return series;
    }
}
