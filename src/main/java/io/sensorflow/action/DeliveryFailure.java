package io.sensorflow.action;

import java.time.Duration;
import java.util.Optional;

/**
 * How an action tells the outbox that an attempt failed in a way it knows about: for good ({@link #permanent}, e.g.
 * a webhook's 404, which no retry will change), or for now, with the wait its target asked for (a 429 or 503 with
 * {@code Retry-After}). Any other failure counts as one for now, tried again with the outbox's backoff.
 */
public final class DeliveryFailure extends RuntimeException {

    private final boolean permanent;
    private final Duration retryAfter;

    private DeliveryFailure(String message, boolean permanent, Duration retryAfter) {
        super(message, null, false, false);
        this.permanent = permanent;
        this.retryAfter = retryAfter;
    }

    /** Retrying cannot help; the delivery is given up at once. */
    public static DeliveryFailure permanent(String message) {
        return new DeliveryFailure(message, true, null);
    }

    /** Worth another attempt; not before {@code retryAfter} if the target said so. */
    public static DeliveryFailure retryable(String message, Optional<Duration> retryAfter) {
        return new DeliveryFailure(message, false, retryAfter.orElse(null));
    }

    public boolean permanent() {
        return permanent;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
