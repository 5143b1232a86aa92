package io.vmpulse.collector.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bounded variant of {@code benchmarks/scripts/isolation.sh}: the real collector jar with 64
 * well-behaved simulated guests beside one hostile VM that floods, sends 1 MiB messages, storms
 * connections and holds idle ones. Asserts on counts only (no latency: this machine may be loaded):
 * every well-behaved sample reached the registry in seq order, none was dropped, acknowledged or
 * not, and the hostile VM really did attack. Also its {@code TRANSPORT=agent} mode, briefly, so
 * that the guests over the agent's own transport keep working.
 */
@Timeout(300)
class HostileVmIsolationTest {

    private static final int VMS = 64;
    private static final int AGENT_VMS = 16;

    @Test
    void well_behaved_vms_lose_no_sample_beside_a_hostile_vm() throws Exception {
        String out =
                isolation(
                        Map.of(
                                "VMS", Integer.toString(VMS),
                                "RUNS", "hostile",
                                "WARMUP", "3",
                                "DURATION", "12"),
                        240);

        assertEverySamplePublished(out, VMS);
        // 12 s at 1 Hz, seen in the registry: the run really carried samples.
        assertTrue(number(out, "samples_seen") >= VMS * 10L, out);
        // The attack happened: a pass with a hostile VM that never got through would prove nothing.
        assertTrue(number(out, "attempted") > 10_000, out);
        assertTrue(number(out, "oversized sent") > 0, out);
        assertTrue(number(out, " ended") > 0, "the collector cut off oversized messages:\n" + out);
        assertTrue(number(out, "storm connects") > 100, out);
    }

    @Test
    void guests_over_the_agent_transport_publish_every_sample_without_seq_gaps() throws Exception {
        String out =
                isolation(
                        Map.of(
                                "VMS", Integer.toString(AGENT_VMS),
                                "RUNS", "baseline",
                                "TRANSPORT", "agent",
                                "WARMUP", "2",
                                "DURATION", "5"),
                        120);

        assertTrue(
                out.contains("result transport=agent;"),
                "the driver ran another transport:\n" + out);
        assertEverySamplePublished(out, AGENT_VMS);
        assertEquals(0, number(out, "stream_errors"), out);
        assertEquals(0, number(out, "not_ready"), "samples the transport did not take:\n" + out);
        // 7 s at 1 Hz followed in the registry: the guests really streamed.
        assertTrue(number(out, "samples_seen") >= AGENT_VMS * 5L, out);
    }

    /** Runs isolation.sh with {@code settings} (no memory run, no build) and returns its output. */
    private static String isolation(Map<String, String> settings, int timeoutSeconds)
            throws Exception {
        assertTrue(
                Files.isRegularFile(Tools.ROOT.resolve("benchmarks/target/benchmarks.jar")),
                "benchmarks.jar is built before it/ (reactor order)");
        var script = Tools.ROOT.resolve("benchmarks/scripts/isolation.sh");
        var pb = new ProcessBuilder(List.of("bash", script.toString())).redirectErrorStream(true);
        pb.environment().putAll(Map.of("SMALL_VMS", "0", "SKIP_BUILD", "1"));
        pb.environment().putAll(settings);
        Tools.Result r = Tools.finish(pb.start(), timeoutSeconds);
        String out = r.stdout();
        assertEquals(0, r.exit(), "isolation.sh failed:\n" + out);
        return out;
    }

    /**
     * Every well-behaved VM's slot seen, every sample of it in the registry in seq order, none
     * dropped, refused or left unacknowledged.
     */
    private static void assertEverySamplePublished(String out, int vms) {
        assertEquals(vms, number(out, "well-behaved slots"), out);
        assertEquals(0, number(out, "gaps"), "seq gaps in the registry:\n" + out);
        assertEquals(0, number(out, "backwards"), out);
        assertEquals(0, number(out, "dropped_samples"), out);
        assertEquals(0, number(out, "rejected_messages"), out);
        assertEquals(0, number(out, "never_welcomed"), out);
        assertEquals(0, number(out, "unacked"), "samples sent but never stored:\n" + out);
    }

    private static long number(String out, String key) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "=(\\d+)").matcher(out);
        assertTrue(m.find(), "no " + key + "= in:\n" + out);
        return Long.parseLong(m.group(1));
    }
}
