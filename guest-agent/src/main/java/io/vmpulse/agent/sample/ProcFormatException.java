package io.vmpulse.agent.sample;

/** A {@code /proc} file did not have the documented format; the message names the file and line. */
public final class ProcFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ProcFormatException(String message) {
        super(message);
    }
}
