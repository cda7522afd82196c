package io.sensorflow.model;

import java.util.Map;

/** The newest known value (by event time) of one sensor's metric, with the tags that reading carried. */
public record LatestReading(String sensor, String metric, double value, long timestamp, Map<String, String> tags) {

    public LatestReading {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public LatestReading(String sensor, String metric, double value, long timestamp) {
        this(sensor, metric, value, timestamp, Map.of());
    }
}
