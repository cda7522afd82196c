package io.sensorflow.pipeline;

import io.sensorflow.config.Section;
import io.sensorflow.source.ReadingLimits;

import java.time.Duration;

/**
 * Tuning of the stream between sources and sinks.
 *
 * @param actionParallelism how many actions may run at once
 * @param actionConcurrency how many of those one action may take, unless it sets its own {@code max-concurrency}
 * @param actionTimeout     how long one action may take before it counts as failed
 * @param maxFutureSkew     how far ahead of arrival a reading's timestamp may be before it is dead-lettered
 * @param maxPastSkew       how far behind arrival a reading's timestamp may be before it is dead-lettered; 0: no bound
 * @param maxPayload        the largest payload decoded, in bytes; a larger one is dead-lettered (truncated)
 * @param tickInterval      how often the clock moves rules on when no reading comes (for, deadman, repeat-every)
 * @param shutdownTimeout   how long a stop may take to drain in-flight readings before the daemon exits anyway
 * @param actionRetry       how a failed delivery of the outbox is tried again, and when it is given up
 * @param actionBreaker     when an action's target counts as down and is left alone for a while
 * @param limits            what one reading may carry, and how many series there may be
 * @param maxRuleSlots      most per-key rule states (alert slots) kept; see {@code RuleEngine}
 * @param sequenceTag       the tag that carries a sender's per-sensor sequence number, checked for gaps and taken
 *                          off the reading; empty for none
 */
public record PipelineConfig(int actionParallelism, int actionConcurrency, Duration actionTimeout,
                             Duration maxFutureSkew, Duration maxPastSkew, int maxPayload, Duration tickInterval,
                             Duration shutdownTimeout, ActionRetry actionRetry, ActionBreaker actionBreaker,
                             ReadingLimits limits, int maxRuleSlots, String sequenceTag) {

    /** An action's breaker: open after {@code maxFailures} failed attempts in a row, for {@code resetTimeout}. */
    public record ActionBreaker(int maxFailures, Duration resetTimeout) {

        static ActionBreaker parse(Section s) {
            return new ActionBreaker(s.integer("max-failures", 1, 10_000), s.positiveDuration("reset-timeout"));
        }
    }

    /**
     * Retries of a failed delivery: after {@code firstBackoff}, doubling up to {@code maxBackoff}, each wait drawn
     * between half and all of it (jitter, so that many deliveries to one target that failed together do not come
     * back together). Given up after {@code maxAttempts} attempts or once the delivery is {@code maxAge} old.
     */
    public record ActionRetry(int maxAttempts, Duration firstBackoff, Duration maxBackoff, Duration maxAge) {

        static ActionRetry parse(Section s) {
            ActionRetry retry = new ActionRetry(s.integer("max-attempts", 1, 1000), s.positiveDuration("first-backoff"),
                    s.positiveDuration("max-backoff"), s.positiveDuration("max-age"));
            if (retry.maxBackoff.compareTo(retry.firstBackoff) < 0) {
                s.problem("max-backoff", "must not be shorter than first-backoff ("
                        + io.sensorflow.config.Durations.format(retry.firstBackoff) + ")");
            }
            return retry;
        }

        /** The wait before the attempt after {@code attempts} failed ones; {@code random} in [0, 1). */
        public long backoffMillis(int attempts, double random) {
            double full = firstBackoff.toMillis() * Math.pow(2, Math.max(0, Math.min(attempts - 1, 40)));
            double capped = Math.min(full, maxBackoff.toMillis());
            return Math.max(1, (long) (capped * (0.5 + random / 2)));
        }
    }

    public static PipelineConfig parse(Section s, Duration shutdownTimeout) {
        int actionParallelism = s.integer("action-parallelism", 1, 1024);
        int actionConcurrency = s.integer("action-concurrency", 1, 1024);
        if (actionConcurrency > actionParallelism) {
            s.problem("action-concurrency", "must not be more than action-parallelism (" + actionParallelism + ")");
        }
        Duration actionTimeout = s.positiveDuration("action-timeout");
        Duration maxFutureSkew = s.positiveDuration("max-future-skew");
        Duration maxPastSkew = s.duration("max-past-skew");
        int maxPayload = (int) s.bytes("max-payload", 64, 64L << 20);
        Duration tickInterval = s.positiveDuration("tick-interval");
        return new PipelineConfig(actionParallelism, actionConcurrency, actionTimeout, maxFutureSkew, maxPastSkew,
                maxPayload, tickInterval, shutdownTimeout, ActionRetry.parse(s.section("action-retry")),
                ActionBreaker.parse(s.section("action-breaker")), ReadingLimits.parse(s.section("limits")),
                s.integer("max-rule-slots", 1, 100_000_000), s.string("sequence-tag"));
    }
}
