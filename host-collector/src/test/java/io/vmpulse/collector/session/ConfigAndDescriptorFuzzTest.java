package io.vmpulse.collector.session;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmpulse.collector.catalog.DescriptorJson;
import io.vmpulse.collector.catalog.InvalidDescriptorException;
import io.vmpulse.collector.catalog.VmDescriptors;
import java.nio.charset.StandardCharsets;

/**
 * Arbitrary text as a VM descriptor and as the collector's configuration: each is accepted or
 * refused with the parser's own exception (naming the field), never another exception and never a
 * long stall (Jazzer reports an input that runs over its time limit). `mvn verify` replays the
 * corpus in src/test/resources; docs/fuzzing.md says how to fuzz.
 */
class ConfigAndDescriptorFuzzTest {

    @FuzzTest(maxDuration = "3h")
    void a_descriptor_is_accepted_or_refused_with_its_field(byte[] data) {
        String json = new String(data, StandardCharsets.UTF_8);
        try {
            VmDescriptors.toVm(DescriptorJson.parse(json));
        } catch (InvalidDescriptorException e) {
            // the documented refusal
        }
    }

    @FuzzTest(maxDuration = "3h")
    void a_configuration_is_accepted_or_refused_with_its_field(byte[] data) {
        String json = new String(data, StandardCharsets.UTF_8);
        try {
            CollectorSettings.parse(json, "fuzz");
        } catch (CollectorSettings.ConfigException e) {
            // the documented refusal
        }
    }
}
