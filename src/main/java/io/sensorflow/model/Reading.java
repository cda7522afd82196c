package io.sensorflow.model;

import java.util.Map;
import java.util.Objects;

/**
 * One measurement of one metric of one sensor at one instant of event time.
 *
 * @param timestamp event time in epoch milliseconds, as the sensor reported it (or arrival time if it did not)
 * @param source    the name of the configured source it came through
 */
public record Reading(String sensor, String metric, double value, long timestamp, Map<String, String> tags, String source) {

    public Reading {
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(metric, "metric");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        Objects.requireNonNull(source, "source");
    }

    public Reading(String sensor, String metric, double value, long timestamp, String source) {
        this(sensor, metric, value, timestamp, Map.of(), source);
    }
}
