package io.vmpulse.collector.catalog;

/**
 * A descriptor that breaks a rule; names the field (e.g. {@code guest.vsock_cid}) and the problem.
 */
public final class InvalidDescriptorException extends Exception {
    private final String field;

    public InvalidDescriptorException(final String field, final String problem) {
        super(field.isEmpty() ? problem : "field " + field + ": " + problem);
        this.field = field;
    }

    /**
     * The proto field path, e.g. {@code guest.hybrid_vsock.port}; empty when the whole document is
     * bad.
     */
    public String field() {
        return field;
    }
}
