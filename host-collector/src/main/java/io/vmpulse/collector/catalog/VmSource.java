package io.vmpulse.collector.catalog;

import java.nio.file.Path;

/** Who registered a VM; only the same source may update or remove it. */
public sealed interface VmSource {

    /** The control API. */
    VmSource API = new Api();

    /** {@code api}, or the descriptor file's path: what an operator sees in errors and listings. */
    String describe();

    record Api() implements VmSource {
        @Override
        public String describe() {
            return "api";
        }
    }

    record DescriptorFile(Path path) implements VmSource {
        @Override
        public String describe() {
            return path.toString();
        }
    }
}
