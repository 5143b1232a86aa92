package io.vmpulse.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmpulse.collector.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The docs send readers to C and Python functions by name: those names must exist. */
@Timeout(30)
class ReaderDocsTest {

    @Test
    void every_c_and_python_reader_function_the_docs_name_exists() throws Exception {
        String header = Files.readString(Tools.C_DIR.resolve("vmpulse_shm.h"));
        String python = Files.readString(Tools.PYTHON_READER);
        List<String> missing = new ArrayList<>();
        int named = 0;
        try (Stream<Path> docs = Files.list(Tools.ROOT.resolve("docs"))) {
            // metrics.md names Prometheus metrics (vmpulse_vm_up, ...), which look like C functions
            // but are not.
            for (Path doc :
                    docs.filter(p -> p.toString().endsWith(".md"))
                            .filter(p -> !p.getFileName().toString().equals("metrics.md"))
                            .sorted()
                            .toList()) {
                String text = Files.readString(doc);
                Matcher c = Pattern.compile("`(vmpulse_[a-z_]+)(?:\\(\\))?`").matcher(text);
                while (c.find()) {
                    named++;
                    if (!Pattern.compile("\\b" + c.group(1) + "\\(").matcher(header).find()) {
                        missing.add(doc.getFileName() + ": C " + c.group(1));
                    }
                }
                Matcher py = Pattern.compile("`Registry\\.([a-z_]+)(?:\\(\\))?`").matcher(text);
                while (py.find()) {
                    named++;
                    if (!python.contains("    def " + py.group(1) + "(")) {
                        missing.add(doc.getFileName() + ": Python Registry." + py.group(1));
                    }
                }
            }
        }
        assertTrue(
                named >= 4,
                "the docs name the readers' replaced-file checks, found " + named + " names");
        assertEquals(List.of(), missing);
    }
}
