package io.sensorflow.model;

import java.util.Map;
import java.util.Objects;

/**
 * One measurement of one metric of one sensor at one instant of event time.
 *
 * @param timestamp event time in epoch milliseconds, as the sensor reported it (or arrival time if it did not)
 * @param source    the name of the configured source it came through
 * @param unit      the unit the value is in, as the payload or the source's config named it; null when unknown
 * @param state     for a state reading (a door's "open", a mode's "auto"), its text; its value is then NaN.
 *                  Null for a number
 */
public record Reading(String sensor, String metric, double value, long timestamp, Map<String, String> tags, String source,
                      String unit, String state) {

    public Reading {
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(metric, "metric");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        Objects.requireNonNull(source, "source");
    }

    public Reading(String sensor, String metric, double value, long timestamp, Map<String, String> tags, String source) {
        this(sensor, metric, value, timestamp, tags, source, null, null);
    }

    public Reading(String sensor, String metric, double value, long timestamp, Map<String, String> tags, String source,
                   String unit) {
        this(sensor, metric, value, timestamp, tags, source, unit, null);
    }

    /** A state reading: text, not a number. */
    public static Reading ofState(String sensor, String metric, String state, long timestamp, Map<String, String> tags,
                                  String source) {
        return new Reading(sensor, metric, Double.NaN, timestamp, tags, source, null, Objects.requireNonNull(state));
    }

    public boolean isState() {
        return state != null;
    }

    public Reading(String sensor, String metric, double value, long timestamp, String source) {
        this(sensor, metric, value, timestamp, Map.of(), source, null, null);
    }

    /** This reading with another value in another unit (a rule's conversion). */
    public Reading withValue(double newValue, String newUnit) {
        return new Reading(sensor, metric, newValue, timestamp, tags, source, newUnit, state);
    }

    /** This reading in {@code newUnit}, value unchanged: a source's fixed unit for readings that name none. */
    public Reading withUnit(String newUnit) {
        return new Reading(sensor, metric, value, timestamp, tags, source, newUnit, state);
    }
}
