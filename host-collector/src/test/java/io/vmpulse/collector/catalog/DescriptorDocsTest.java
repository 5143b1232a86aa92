package io.vmpulse.collector.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/vm-descriptors.md shows descriptors; each must be one this collector accepts, and match its
 * fixture.
 */
class DescriptorDocsTest {
    private static final Path DOC = Path.of("..", "docs", "vm-descriptors.md");
    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

    @Test
    void every_json_example_in_the_document_is_a_good_fixture() throws Exception {
        final Matcher m = JSON_BLOCK.matcher(Files.readString(DOC));
        final List<Vm> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(VmDescriptors.toVm(DescriptorJson.parse(m.group(1))));
        }
        final List<Vm> fixtures = new ArrayList<>();
        for (String name : Fixtures.GOOD) {
            fixtures.add(Fixtures.vm(name));
        }
        assertEquals(fixtures, documented);
    }
}
