package io.sensorflow.action;

import io.sensorflow.config.Section;

import java.util.Map;
import java.util.Optional;

/**
 * What bounds an action whatever the rules ask, with different answers at the limit.
 *
 * @param rateLimit      {@code rate-limit}: executions past it are skipped and kept as dead letters (an actuator's
 *                       last line of defence against a flapping sensor)
 * @param maxConcurrency {@code max-concurrency}: attempts of this action running at once, 0 for none of its own
 *                       ({@code pipeline.action-concurrency} then); the rest wait in the outbox
 * @param maxRate        {@code max-rate}: attempts started per period; the rest wait in the outbox and go later, none
 *                       is skipped (a chat webhook that allows one message a second)
 */
public record ActionLimits(Optional<RateLimit> rateLimit, int maxConcurrency, Optional<RateLimit> maxRate) {

    public static final ActionLimits NONE = new ActionLimits(Optional.empty(), 0, Optional.empty());

    /** Reads the optional {@code rate-limit}, {@code max-concurrency} and {@code max-rate} of an action. */
    public static ActionLimits parse(Section s) {
        int concurrency = s.has("max-concurrency") ? s.integer("max-concurrency", 1, 10_000) : 0;
        return new ActionLimits(RateLimit.parse(s, "rate-limit"), concurrency, RateLimit.parse(s, "max-rate"));
    }

    /** The {@code rate-limit}s of those actions that have one. */
    public static Map<String, RateLimit> rateLimits(Map<String, ActionLimits> limits) {
        Map<String, RateLimit> result = new java.util.LinkedHashMap<>();
        limits.forEach((name, limit) -> limit.rateLimit().ifPresent(r -> result.put(name, r)));
        return result;
    }
}
