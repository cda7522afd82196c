package io.sensorflow.codec;

import com.fasterxml.jackson.core.JsonPointer;

import java.util.Map;
import java.util.Optional;

/**
 * Where the parts of a reading are found in a structured payload, as JSON Pointers (RFC 6901), and how its numbers
 * are read. A sensor or metric taken from the topic wins over a pointer.
 *
 * @param items     json: a pointer to an array whose elements are each one reading; the other pointers are then
 *                  relative to each element
 * @param tags      json: tag name to the pointer of its value
 * @param precision the unit of numeric timestamps; empty for the format's own default (ms; ns for line protocol)
 * @param sensorTag influx: the tag that names the sensor (it is not kept as a tag)
 * @param unit      json: a pointer to each reading's unit; or, not starting with {@code /}, the unit of every
 *                  reading that does not name its own (any format)
 */
public record PayloadMapping(String value, Optional<String> timestamp, Optional<String> sensor, Optional<String> metric,
                             Optional<String> items, Map<String, String> tags, Optional<TimePrecision> precision,
                             String sensorTag, Optional<String> unit) {

    public static final String DEFAULT_SENSOR_TAG = "sensor";

    public PayloadMapping {
        tags = Map.copyOf(tags);
    }

    public PayloadMapping(String value, Optional<String> timestamp, Optional<String> sensor, Optional<String> metric) {
        this(value, timestamp, sensor, metric, Optional.empty(), Map.of(), Optional.empty(), DEFAULT_SENSOR_TAG,
                Optional.empty());
    }

    /** The defaults: {@code /value}, {@code /timestamp}, names from the topic. */
    public static PayloadMapping defaults() {
        return new PayloadMapping("/value", Optional.of("/timestamp"), Optional.empty(), Optional.empty());
    }

    /** This mapping with numeric timestamps in {@code unit}. */
    public PayloadMapping withPrecision(TimePrecision unit) {
        return new PayloadMapping(value, timestamp, sensor, metric, items, tags, Optional.of(unit), sensorTag, this.unit);
    }

    /** The unit pointer, for json. */
    Optional<String> unitPointer() {
        return unit.filter(u -> u.startsWith("/"));
    }

    /** The fixed unit, for readings that name none. */
    public Optional<String> fixedUnit() {
        return unit.filter(u -> !u.startsWith("/"));
    }

    /** Validates a pointer at config time so that a typo is reported by {@code check}, not once per message. */
    public static Optional<String> pointerError(String pointer) {
        try {
            JsonPointer.compile(pointer);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a JSON Pointer (RFC 6901, e.g. \"/value\"): " + e.getMessage());
        }
    }
}
