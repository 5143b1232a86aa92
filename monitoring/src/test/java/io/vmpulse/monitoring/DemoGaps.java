package io.vmpulse.monitoring;

import java.util.Map;

/**
 * What the demo's VM cannot have, with the reason: it runs with no hypervisor, no TAP and no disk
 * of its own. DashboardAgainstDemoTest checks every entry both ways (it must exist in the dashboard
 * or the rules, and the demo must really lack it), so no entry outlives its reason and nothing is
 * skipped silently.
 */
final class DemoGaps {

    private static final String VCPU =
            "the demo VM has no hypervisor (HypervisorKind.NONE), so the collector finds no"
                    + " vCPU threads and the exporter emits no vmpulse_vcpu_* series for it";
    private static final String NET =
            "the demo VM has no TAP device and no VMM device counters, so it has no"
                    + " vmpulse_network_* series";
    private static final String DISK_OPS =
            "the demo's block figures come from /proc/PID/io of the agent process,"
                    + " which counts bytes but no operations, so vmpulse_block_*_completed_total are absent";

    /**
     * Panel targets whose data the demo VM cannot have, keyed "panel title/refId", with the reason.
     * They must still parse, and each must really return nothing for the demo VM.
     */
    static final Map<String, String> QUERIES =
            Map.ofEntries(
                    Map.entry("Guest steal beside host run-queue wait (top 10)/B", VCPU),
                    Map.entry("Steal (guest) and run-queue wait (host)/B", VCPU),
                    Map.entry("Host CPU/A", VCPU),
                    Map.entry("Network (top 10)/A", NET),
                    Map.entry("Network (top 10)/B", NET),
                    Map.entry("Network/A", NET),
                    Map.entry("Network/B", NET),
                    Map.entry("Network/C", NET),
                    Map.entry("Network/D", NET),
                    Map.entry("Network/E", NET),
                    Map.entry("Network/F", NET),
                    Map.entry("Network/G", NET),
                    Map.entry("Network/H", NET),
                    Map.entry("Block I/O/C", DISK_OPS),
                    Map.entry("Block I/O/D", DISK_OPS));

    private static final String NO_DRIVE =
            "the demo's block figures come from /proc/PID/io, one total for the"
                    + " process, so its block series carry no device label";

    /**
     * Labels a legend shows that the demo VM's series cannot carry, keyed "panel
     * title/refId/label", with the reason. Checked like {@link #QUERIES}: each must be in that
     * legend and missing from the demo's series.
     */
    static final Map<String, String> LEGEND_LABELS =
            Map.of(
                    "Block I/O/A/device", NO_DRIVE,
                    "Block I/O/B/device", NO_DRIVE);

    /** Recording rules whose input the demo VM cannot have, with the reason. */
    static final Map<String, String> RECORDINGS =
            Map.of("vm_id:vmpulse_vcpu_runqueue_wait_seconds:rate5m", VCPU);

    private DemoGaps() {}

    /** "panel title/refId", the key of {@link #QUERIES}. */
    static String key(PanelQuery q) {
        return q.panel().title() + "/" + q.target().refId();
    }
}
