package io.sensorflow.source;

import java.time.Duration;
import java.util.Optional;

/**
 * The validated configuration of one source; each type knows how to start its source, what the running source offers
 * other components, and how it fits with the rest of the config.
 */
public interface SourceConfig {

    String name();

    SensorSource create(SourceContext context);

    /**
     * Checks what this source's settings mean next to the rest of the config (another source on the same broker, a
     * path the API already serves, a limit elsewhere), recording each problem at this source's keys, and returns this
     * source's config with whatever follows from the rest settled. By default there is nothing to check.
     */
    default SourceConfig check(SourceChecks checks) {
        return this;
    }

    /** Whether the running source offers {@code capability} ({@link SensorSource#capability}), e.g. a broker connection. */
    default boolean offers(Class<?> capability) {
        return false;
    }

    /**
     * A connection of this source's kind that offers {@code capability}, for use outside the daemon (a replay that
     * executes actions), never taking over the daemon's own session; the caller closes it. Empty if it offers none.
     *
     * @throws IllegalStateException if it cannot connect within {@code timeout}
     */
    default Optional<AutoCloseable> standalone(Class<?> capability, Duration timeout) {
        return Optional.empty();
    }
}
