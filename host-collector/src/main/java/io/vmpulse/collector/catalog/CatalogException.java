package io.vmpulse.collector.catalog;

/** A registry change that was refused; the registry is unchanged. */
public final class CatalogException extends Exception {

    public enum Reason {
        /** The id is taken by another registration. */
        ID_TAKEN,
        /** Another VM already uses the guest endpoint (same listen path, CID or TCP address). */
        ENDPOINT_TAKEN,
        /** No VM has the id. */
        NOT_FOUND,
        /**
         * The VM belongs to another source (a file, or the API); only that source may change it.
         */
        OWNED_ELSEWHERE
    }

    private final Reason reason;
    private final String field;

    CatalogException(final Reason reason, final String field, final String message) {
        super(message);
        this.reason = reason;
        this.field = field;
    }

    public Reason reason() {
        return reason;
    }

    /** The descriptor field the refusal is about: {@code id} or {@code guest}. */
    public String field() {
        return field;
    }
}
