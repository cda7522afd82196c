package io.sensorflow.codec;

/**
 * A payload that cannot become readings. Thrown per element on a hot path, so it carries no stack trace: the reason
 * and detail say everything, and bad input is expected, not exceptional.
 */
public final class DecodeException extends Exception {

    private final String reason;

    /**
     * @param reason a short, stable label for metrics and dead letters, e.g. {@code malformed-json}
     * @param detail what exactly was wrong, for the operator
     */
    public DecodeException(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
