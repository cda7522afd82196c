package io.sensorflow.http;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a bearer token may do. {@code admin} includes {@code operate}, which includes {@code read}; {@code ingest}
 * (the push sources' routes) stands alone, so a device's token can write readings and read nothing.
 */
public enum Scope {
    /** Every GET of the API and {@code /metrics}. */
    READ,
    /** Acknowledge alerts, create and end silences. */
    OPERATE,
    /** Reload the config. */
    ADMIN,
    /** POST readings to an http-push source. */
    INGEST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scopes a token granted {@code this} may use. */
    Set<Scope> implied() {
        return switch (this) {
            case READ -> EnumSet.of(READ);
            case OPERATE -> EnumSet.of(READ, OPERATE);
            case ADMIN -> EnumSet.of(READ, OPERATE, ADMIN);
            case INGEST -> EnumSet.of(INGEST);
        };
    }
}
