package io.vmpulse.agent.sample;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * The agent's /proc/stat, /proc/meminfo and mountinfo parsers fed arbitrary bytes: each either
 * parses or throws ProcFormatException (which the sampler reports as a read error). Any other
 * exception is a finding. `mvn verify` replays the corpus in src/test/resources; docs/fuzzing.md
 * says how to fuzz.
 */
class ProcParsersFuzzTest {

    @FuzzTest(maxDuration = "3h")
    void proc_stat_parses_or_reports_a_format_error(byte[] data) {
        try {
            new ProcStatParser("fuzz").parse(ByteBuffer.wrap(data), new CpuSnapshot());
        } catch (ProcFormatException e) {
            // the documented failure
        }
    }

    @FuzzTest(maxDuration = "3h")
    void meminfo_parses_or_reports_a_format_error(byte[] data) {
        try {
            new MeminfoParser("fuzz").parse(ByteBuffer.wrap(data), new MemSnapshot());
        } catch (ProcFormatException e) {
            // the documented failure
        }
    }

    @FuzzTest(maxDuration = "3h")
    void mountinfo_parses_or_reports_a_format_error(byte[] data) {
        try {
            MountinfoParser.parse("fuzz", data);
        } catch (ProcFormatException e) {
            // the documented failure
        }
    }
}
