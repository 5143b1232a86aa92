package io.vmpulse.agent.report;

import io.vmpulse.agent.sample.ProcText;
import java.nio.file.Path;

/** What the agent calls itself in its Hello. */
public final class AgentIdentity {

    public static final String NAME = "vmpulse-guest-agent";

    /**
     * Implementation-Version of the runnable jar's manifest; a placeholder when run from classes.
     */
    public static final String VERSION = versionOrPlaceholder();

    /** The kernel's generator of random (version 4) UUIDs, one per read. */
    static final Path RANDOM_UUID = Path.of("/proc/sys/kernel/random/uuid");

    private AgentIdentity() {}

    /**
     * A random UUID naming this agent process in its Hello. Read from the kernel rather than made
     * by {@code UUID.randomUUID()}, whose {@code SecureRandom} initialises the JDK's security
     * providers: ~90 classes loaded in every VM for 16 random bytes (docs/benchmarks.md).
     */
    static String newInstanceId() {
        return ProcText.read(RANDOM_UUID);
    }

    private static String versionOrPlaceholder() {
        String version = AgentIdentity.class.getPackage().getImplementationVersion();
        return version == null ? "0.0.0-dev" : version;
    }
}
