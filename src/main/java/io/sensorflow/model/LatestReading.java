package io.sensorflow.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * The newest known value (by event time) of one sensor's metric, with the tags that reading carried.
 *
 * @param value null for a state reading
 * @param state the text of a state reading; null for a number (and then left out of the JSON)
 * @param unit  the unit the series' readings last named; null when none did (left out of the JSON)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LatestReading(String sensor, String metric, Double value, long timestamp, Map<String, String> tags,
                            String state, String unit) {

    public LatestReading {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public LatestReading(String sensor, String metric, double value, long timestamp, Map<String, String> tags) {
        this(sensor, metric, value, timestamp, tags, null, null);
    }

    public LatestReading(String sensor, String metric, double value, long timestamp) {
        this(sensor, metric, value, timestamp, Map.of(), null, null);
    }

    /** The newest state of a series of state readings. */
    public static LatestReading ofState(String sensor, String metric, String state, long timestamp,
                                        Map<String, String> tags) {
        return new LatestReading(sensor, metric, null, timestamp, tags, state, null);
    }
}
