package io.sensorflow.pipeline;

import io.sensorflow.config.Section;

import java.time.Duration;

/**
 * Tuning of the stream between sources and sinks.
 *
 * @param buffer            the bound of the queue in front of rule evaluation and of actions (backpressure beyond)
 * @param actionParallelism how many actions may run at once
 * @param actionTimeout     how long one action may take before it counts as failed
 * @param maxFutureSkew     how far ahead of arrival a reading's timestamp may be before it is dead-lettered
 * @param maxPastSkew       how far behind arrival a reading's timestamp may be before it is dead-lettered; 0: no bound
 * @param maxPayload        the largest payload decoded, in bytes; a larger one is dead-lettered (truncated)
 * @param tickInterval      how often the clock moves rules on when no reading comes (for, deadman, repeat-every)
 * @param shutdownTimeout   how long a stop may take to drain in-flight readings before the daemon exits anyway
 */
public record PipelineConfig(int buffer, int actionParallelism, Duration actionTimeout, Duration maxFutureSkew,
                             Duration maxPastSkew, int maxPayload, Duration tickInterval, Duration shutdownTimeout) {

    public static PipelineConfig parse(Section s, Duration shutdownTimeout) {
        int buffer = s.integer("buffer", 1, 1_000_000);
        int actionParallelism = s.integer("action-parallelism", 1, 1024);
        Duration actionTimeout = s.positiveDuration("action-timeout");
        Duration maxFutureSkew = s.positiveDuration("max-future-skew");
        Duration maxPastSkew = s.duration("max-past-skew");
        int maxPayload = (int) s.bytes("max-payload", 64, 64L << 20);
        Duration tickInterval = s.positiveDuration("tick-interval");
        return new PipelineConfig(buffer, actionParallelism, actionTimeout, maxFutureSkew, maxPastSkew, maxPayload, tickInterval,
                shutdownTimeout);
    }
}
