package io.vmpulse.agent.report;

/** What the agent calls itself in its Hello. */
public final class AgentIdentity {

    public static final String NAME = "vmpulse-guest-agent";

    /** Implementation-Version of the runnable jar's manifest; a placeholder when run from classes. */
    public static final String VERSION = versionOrPlaceholder();

    private AgentIdentity() {
    }

    private static String versionOrPlaceholder() {
        String version = AgentIdentity.class.getPackage().getImplementationVersion();
        return version == null ? "0.0.0-dev" : version;
    }
}
